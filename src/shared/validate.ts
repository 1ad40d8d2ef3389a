// Parses untrusted input with a zod schema; failures become validation_error naming the field.
import type { z } from "zod";
import { fromZodError } from "./errors.ts";

export function parse<S extends z.ZodType>(schema: S, input: unknown, where = "body"): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) throw fromZodError(result.error, where);
  return result.data;
}
