// The OpenAPI 3 document, generated from the same zod schemas that validate requests,
// served at /api/openapi.json with an interactive page at /api/docs.
import { OpenAPIRegistry, OpenApiGeneratorV3 } from "@asteasolutions/zod-to-openapi";
import { z } from "../shared/zod.ts";
import { ErrorCodes } from "../shared/errors.ts";
import { setErrorSchema } from "./route.ts";

export const ErrorResponse = z
  .object({
    error: z.object({
      code: z.enum(Object.keys(ErrorCodes) as [keyof typeof ErrorCodes]),
      message: z.string(),
      details: z.unknown().optional(),
    }),
  })
  .openapi("Error");

export function createRegistry(): OpenAPIRegistry {
  const registry = new OpenAPIRegistry();
  registry.register("Error", ErrorResponse);
  registry.registerComponent("securitySchemes", "bearerAuth", { type: "http", scheme: "bearer", bearerFormat: "JWT" });
  setErrorSchema(ErrorResponse);
  return registry;
}

export function buildDocument(registry: OpenAPIRegistry) {
  return new OpenApiGeneratorV3(registry.definitions).generateDocument({
    openapi: "3.0.3",
    info: {
      title: "Realtime chat server",
      version: "0.1.0",
      description:
        "REST surface of the chat server (couples, groups, DMs). Realtime events travel over Socket.IO namespaces " +
        "/couples, /groups and /dm; their contract is handlers/events.ts. All fields are snake_case.",
    },
    servers: [{ url: "/" }],
  });
}
