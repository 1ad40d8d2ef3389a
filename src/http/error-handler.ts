// Renders every error as `{error: {code, message}}`. Known errors keep their status and
// message; unknown ones are logged with the request id and answered with a generic 500.
import type { ErrorRequestHandler, RequestHandler } from "express";
import type { Logger } from "../infra/logger.ts";
import { AppError, toErrorBody } from "../shared/errors.ts";

export function errorHandler(log: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const mapped = toErrorBody(translateExpressError(err, pathOf(req.originalUrl)));
    if (mapped.internal) log.error({ err, reqId: req.id, path: req.path }, "unhandled error");
    if (res.headersSent) return res.end();
    // Every 429 says when to come back, in seconds (the header) and in ms (the body).
    const retryMs = (mapped.body.details as { retry_after_ms?: number } | undefined)?.retry_after_ms;
    if (retryMs !== undefined) res.setHeader("Retry-After", String(Math.max(1, Math.ceil(retryMs / 1000))));
    res.status(mapped.status).json({ error: mapped.body });
  };
}

// body-parser and friends throw errors with a `type`; give them our vocabulary.
function translateExpressError(err: unknown, path: string): unknown {
  const e = err as { type?: string; status?: number; limit?: number; message?: string };
  // The router decodes path parameters with decodeURIComponent and passes on its URIError
  // (status 400) when the path holds a malformed percent-encoding: the client's mistake.
  if (err instanceof URIError && e.status === 400) return malformedPath(path);
  if (e?.type === "entity.too.large") return new AppError("payload_too_large", `body: larger than the ${e.limit} byte limit`);
  if (e?.type === "entity.parse.failed") return new AppError("validation_error", "body: is not valid JSON");
  if (e?.type === "encoding.unsupported" || e?.type === "charset.unsupported") return new AppError("unsupported_media_type", `body: ${e.message}`);
  return err;
}

export const notFoundHandler: RequestHandler = (req, _res, next) => {
  // A path no route matched may still be undecodable (no parameter was decoded): say so.
  if (!decodes(req.path)) return next(malformedPath(pathOf(req.originalUrl)));
  next(new AppError("not_found", `No route for ${req.method} ${req.path}`));
};

function decodes(path: string): boolean {
  try {
    decodeURIComponent(path);
    return true;
  } catch {
    return false;
  }
}

const pathOf = (url: string) => url.split("?", 1)[0] ?? url;

function malformedPath(path: string): AppError {
  const shown = path.length > 200 ? `${path.slice(0, 200)}…` : path;
  return new AppError("bad_request", `path: malformed percent-encoding in ${shown}`, { fields: [{ field: "path", message: "malformed percent-encoding" }] });
}
