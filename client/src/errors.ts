// One error type for everything the client rejects with: an error ack, a REST error body,
// a timeout, a lost session. It keeps the server's vocabulary (`code`, and `status` and
// `details` for REST) so that an app branches on codes, never on message text.

/** The server's error codes that no retry can change: a send refused with one is dropped. */
export const PERMANENT_CODES: ReadonlySet<string> = new Set([
  "validation_error",
  "bad_request",
  "forbidden",
  "not_found",
  "blocked",
  "muted_in_group",
  "banned_from_group",
  "chat_closed",
  "account_suspended",
  "payload_too_large",
  "unsupported_media_type",
  "conflict",
  "method_not_allowed",
  "token_revoked",
  "logged_out",
]);

/** Codes that mean "authenticate again": refresh the access token, then retry. */
export const AUTH_CODES: ReadonlySet<string> = new Set(["unauthorized", "token_expired"]);

/**
 * An error from the server (error ack, REST error) or from the client itself
 * (`timeout`, `not_connected`, `logged_out`, `network_error`, `closed`).
 */
export class ChatError extends Error {
  /** The server's stable code (`validation_error`, `blocked`, ...) or the client's own. */
  readonly code: string;
  /** The HTTP status for REST errors; absent for socket acks and client-side errors. */
  readonly status: number | undefined;
  /** The server's `details` (field errors, `epoch` of a 410, `until` of a mute...). */
  readonly details: unknown;

  constructor(code: string, message: string, opts: { status?: number; details?: unknown; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = "ChatError";
    this.code = code;
    this.status = opts.status;
    this.details = opts.details;
  }

  /** Whether retrying the same request can never succeed (a send refused with it is dropped). */
  get permanent(): boolean {
    return PERMANENT_CODES.has(this.code) || (this.status !== undefined && this.status >= 400 && this.status < 500 && this.status !== 401 && this.status !== 408 && this.status !== 429);
  }
}

/** Wraps anything thrown (a fetch TypeError, a socket.io timeout) as a ChatError. */
export function toChatError(err: unknown, fallbackCode = "network_error"): ChatError {
  if (err instanceof ChatError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new ChatError(fallbackCode, message, { cause: err });
}
