// The error side of the OpenAPI document: one response per HTTP status, whose body names
// exactly the codes of src/shared/errors.ts that map to that status and the `details` they
// carry. Routes say which statuses they can answer (route.ts derives most of them); the
// bodies come from here, so a code that changes status moves in the document by itself.
import type { ResponseConfig } from "@asteasolutions/zod-to-openapi";
import { ErrorCodes, type ErrorCode } from "../shared/errors.ts";
import { z } from "../shared/zod.ts";

export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 410 | 413 | 415 | 429 | 503;

/** What each status means on this API; a route may say more precisely why it answers one. */
const MEANING: Record<ErrorStatus, string> = {
  400: "Invalid input: `validation_error` names each offending field (also unknown query keys and body fields); `bad_request` when the request cannot be served as sent",
  401: "Missing, invalid, expired or revoked access token",
  403: "Authenticated, but not allowed to do this",
  404: "The resource named in the path does not exist, or is not visible to the caller",
  409: "The request conflicts with the resource's current state",
  410: "The requested events are gone: refetch history and start over from the returned epoch",
  413: "The body is larger than the limit (BODY_LIMIT_BYTES for JSON)",
  415: "The body's Content-Type or charset is not one this operation takes",
  429: "Too many requests; retry after the delay in Retry-After (seconds) and details.retry_after_ms",
  503: "The database (or media storage) is not answering; retry shortly",
};

const FieldErrors = z
  .strictObject({ fields: z.array(z.strictObject({ field: z.string(), message: z.string() })) })
  .openapi({ description: "Each offending field (dotted path; `query`, `body` or `path` for the whole part) with what is wrong with it" });

/** The `details` each status carries; statuses not listed carry none. */
const DETAILS: Partial<Record<ErrorStatus, z.ZodType>> = {
  400: FieldErrors.optional(),
  // Issue 15: muted_in_group and account_suspended say until when (null: indefinitely).
  403: z
    .strictObject({ until: z.string().nullable().openapi({ description: "ISO 8601; null: indefinitely" }) })
    .optional()
    .openapi({ description: "muted_in_group, account_suspended: until when" }),
  410: z.strictObject({
    epoch: z.string().openapi({ description: "The stream's current epoch: sync again from 0 with it after refetching history" }),
    oldest_available: z.number().int().optional().openapi({ description: "The oldest event_seq still kept (when events were pruned)" }),
  }),
  429: z.strictObject({ retry_after_ms: z.number().int().min(1) }),
};

const codesOf = (status: ErrorStatus) => (Object.keys(ErrorCodes) as ErrorCode[]).filter((code) => ErrorCodes[code] === status);

const schemas = new Map<ErrorStatus, z.ZodType>();

/** The error body of one status, registered once as the component `Error<status>`. */
export function errorBody(status: ErrorStatus): z.ZodType {
  let schema = schemas.get(status);
  if (!schema) {
    const details = DETAILS[status];
    schema = z
      .strictObject({
        error: z.strictObject({
          code: z.enum(codesOf(status) as [ErrorCode, ...ErrorCode[]]),
          message: z.string(),
          ...(details ? { details } : {}),
        }),
      })
      .openapi(`Error${status}`);
    schemas.set(status, schema);
  }
  return schema;
}

const RETRY_AFTER = {
  "Retry-After": {
    description: "Seconds to wait before retrying (at least 1)",
    required: true,
    schema: { type: "string" as const, pattern: "^[1-9][0-9]*$" },
  },
};

/** The response entry for an error status, with the route's own reason when it gives one. */
export function errorResponse(status: ErrorStatus, why?: string): ResponseConfig {
  return {
    description: why ? `${why}. ${MEANING[status]}` : MEANING[status],
    ...(status === 429 ? { headers: RETRY_AFTER } : {}),
    content: { "application/json": { schema: errorBody(status) } },
  };
}
