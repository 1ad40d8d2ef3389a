// Where a REST request came from, as sessions and the audit log record it.
import type { Request } from "express";
import { deviceLabel } from "../auth/device-label.ts";
import type { ClientInfo } from "../shared/client-info.ts";

/** req.ip applies TRUST_PROXY (app.ts sets "trust proxy"): a forwarded address only from a trusted proxy. */
export function clientOf(req: Request): ClientInfo {
  return { ip: req.ip ?? null, device: deviceLabel(req.get("user-agent")) };
}
