// Renders every error as `{error: {code, message}}`. Known errors keep their status and
// message; unknown ones are logged with the request id and answered with a generic 500.
import type { ErrorRequestHandler, RequestHandler } from "express";
import type { Logger } from "../infra/logger.ts";
import { AppError, toErrorBody } from "../shared/errors.ts";

export function errorHandler(log: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const mapped = toErrorBody(translateExpressError(err));
    if (mapped.internal) log.error({ err, reqId: req.id, path: req.path }, "unhandled error");
    if (res.headersSent) return res.end();
    const retry = (mapped.body.details as { retry_after_sec?: number } | undefined)?.retry_after_sec;
    if (retry) res.setHeader("Retry-After", String(retry));
    res.status(mapped.status).json({ error: mapped.body });
  };
}

// body-parser and friends throw errors with a `type`; give them our vocabulary.
function translateExpressError(err: unknown): unknown {
  const e = err as { type?: string; status?: number; limit?: number; message?: string };
  if (e?.type === "entity.too.large") return new AppError("payload_too_large", `body: larger than the ${e.limit} byte limit`);
  if (e?.type === "entity.parse.failed") return new AppError("validation_error", "body: is not valid JSON");
  if (e?.type === "encoding.unsupported" || e?.type === "charset.unsupported") return new AppError("unsupported_media_type", `body: ${e.message}`);
  return err;
}

export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(new AppError("not_found", `No route for ${req.method} ${req.path}`));
};
