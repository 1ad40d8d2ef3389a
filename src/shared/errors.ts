// One error vocabulary for REST and Socket.IO: a stable machine code, the HTTP status
// it maps to, and a message a developer can act on. REST renders it as JSON, sockets
// as `{ok: false, error: {code, message}}`; anything else is logged and sanitized.
import { ZodError } from "zod";
import { StorageUnavailableError } from "../storage/errors.ts";

export const ErrorCodes = {
  validation_error: 400,
  bad_request: 400,
  invalid_credentials: 401,
  unauthorized: 401,
  token_expired: 401,
  token_revoked: 401,
  forbidden: 403,
  /** A password change whose current_password is wrong (403, not 401: the caller is authenticated). */
  wrong_password: 403,
  /** Issue 15: a member a group's managers stopped posting (details.until). */
  muted_in_group: 403,
  /** Issue 15: banned from this group: no joining or being added until unbanned. */
  banned_from_group: 403,
  /** Issue 15: an operator suspended the account (details.until: null when indefinitely). */
  account_suspended: 403,
  /** Issue 15: one of the two users blocked the other (no DM, no partner request between them). */
  blocked: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  /** Issue 15: a couple chat after its partners broke up: read-only history. */
  chat_closed: 409,
  resync_required: 410,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal_error: 500,
  service_unavailable: 503,
  database_unavailable: 503,
} as const;

export type ErrorCode = keyof typeof ErrorCodes;

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details?: unknown;

  constructor(code: ErrorCode, message: string, details?: unknown) {
    super(message);
    this.name = "AppError";
    this.code = code;
    this.status = ErrorCodes[code];
    this.details = details;
  }
}

export const badRequest = (message: string, details?: unknown) => new AppError("bad_request", message, details);
export const forbidden = (message = "You are not allowed to do that") => new AppError("forbidden", message);
export const notFound = (what: string) => new AppError("not_found", `${what} not found`);
export const unauthorized = (message = "Authentication required") => new AppError("unauthorized", message);

/** Turns zod issues into one message that names every offending field. */
export function fromZodError(err: ZodError, where = "body"): AppError {
  const fields = err.issues.map((issue) => ({
    field: issue.path.length ? issue.path.join(".") : where,
    message: issue.message,
  }));
  const message = fields.map((f) => `${f.field}: ${f.message}`).join("; ");
  return new AppError("validation_error", message, { fields });
}

export interface ErrorBody {
  code: ErrorCode;
  message: string;
  details?: unknown;
}

/** Maps any thrown value to what a client may see; `internal` is true when it must be logged. */
export function toErrorBody(err: unknown): { status: number; body: ErrorBody; internal: boolean } {
  if (err instanceof AppError) {
    const body: ErrorBody = { code: err.code, message: err.message };
    if (err.details !== undefined) body.details = err.details;
    return { status: err.status, body, internal: false };
  }
  if (err instanceof ZodError) return toErrorBody(fromZodError(err));
  // The database did not answer in time (or refused: disk full, read-only): the client may
  // retry; the cause is logged, not shown.
  if (err instanceof StorageUnavailableError) {
    return { status: 503, body: { code: "database_unavailable", message: "The database is not answering; retry shortly" }, internal: true };
  }
  return { status: 500, body: { code: "internal_error", message: "Internal server error" }, internal: true };
}
