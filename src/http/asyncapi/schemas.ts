// zod → JSON Schema for the AsyncAPI document's components.schemas, with zod 4's own
// `z.toJSONSchema` (draft-07, which the AsyncAPI schema format is a superset of). The models
// several payloads share (a message, a user's card, a group…) are named components that
// the payloads $ref, as in the OpenAPI document. The descriptions, formats and examples the
// schemas carry for the OpenAPI document (`.openapi({...})`, src/shared/zod.ts) are copied over.
import { getOpenApiMetadata } from "@asteasolutions/zod-to-openapi";
import { PartnerRequestSchema } from "../../couples/couple.schemas.ts";
import { GroupSchema } from "../../groups/group.schemas.ts";
import { MessageSchema } from "../../messaging/message.schemas.ts";
import { z } from "../../shared/zod.ts";
import { UserPublic } from "../../users/user.schemas.ts";
import { EventMetaSchema } from "./server-events.ts";

export type JsonSchema = Record<string, unknown>;

/** The shapes that recur across events, by their component name. */
const SHARED: Record<string, z.ZodType> = {
  Message: MessageSchema,
  UserCard: UserPublic,
  Group: GroupSchema,
  PartnerRequest: PartnerRequestSchema,
  EventMeta: EventMetaSchema,
};

export const schemaRef = (id: string) => ({ $ref: `#/components/schemas/${id}` });

/** Copies what `.openapi()` added (description, format, example) onto the generated schema. */
function withOpenApiMetadata(ctx: { zodSchema: unknown; jsonSchema: JsonSchema }) {
  const meta = getOpenApiMetadata(ctx.zodSchema as z.ZodType) as { description?: string; format?: string; example?: unknown };
  if (meta.description && ctx.jsonSchema.description === undefined) ctx.jsonSchema.description = meta.description;
  if (meta.format && ctx.jsonSchema.type === "string" && ctx.jsonSchema.format === undefined) ctx.jsonSchema.format = meta.format;
  if (meta.example !== undefined && ctx.jsonSchema.examples === undefined) ctx.jsonSchema.examples = [meta.example];
}

/**
 * Converts named zod schemas to JSON Schemas that refer to each other (and to the shared
 * models) by `#/components/schemas/<name>`. `io: "input"` describes what a client may send
 * (fields with defaults are optional), `"output"` what the server sends.
 */
export function toComponentSchemas(named: Map<string, z.ZodType>, io: "input" | "output"): Record<string, JsonSchema> {
  const registry = z.registry<{ id: string }>();
  // Payloads first: a schema registered twice keeps the later id, so the shared names win.
  for (const [id, schema] of named) registry.add(schema, { id });
  if (io === "output") for (const [id, schema] of Object.entries(SHARED)) registry.add(schema, { id });
  const { schemas } = z.toJSONSchema(registry, {
    target: "draft-7",
    io,
    unrepresentable: "any",
    uri: (id) => `#/components/schemas/${id}`,
    override: withOpenApiMetadata,
  }) as { schemas: Record<string, JsonSchema> };
  // Each comes out as a standalone document; inside components it must not re-declare its
  // dialect or move the base URI that the #/components/... references resolve against.
  return Object.fromEntries(Object.entries(schemas).map(([id, { $schema: _s, $id: _i, ...schema }]) => [id, schema]));
}
