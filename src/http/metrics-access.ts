// Who may read /metrics. The figures say how many users are online, which events flow and
// how the database behaves: an operator's business, not the public's. Three setups:
//   METRICS_PORT set   → a listener of its own on HOST:METRICS_PORT (the main port has no
//                        /metrics); the network decides who reaches it.
//   METRICS_TOKEN set  → `Authorization: Bearer <token>` is required (on either listener).
//   neither            → the main port serves it to loopback clients only (a scraper or
//                        `curl` on the same host).
// Loopback is judged on `req.ip`, which honours TRUST_PROXY: behind a proxy on the same
// host, the proxy's own loopback address does not count, the client's does.
import { createHash, timingSafeEqual } from "node:crypto";
import { createServer, type Server } from "node:http";
import express, { type RequestHandler } from "express";
import type { Logger } from "../infra/logger.ts";
import { AppError } from "../shared/errors.ts";
import { errorHandler, notFoundHandler } from "./error-handler.ts";
import { bearerToken } from "./route.ts";

export interface MetricsAccess {
  token?: string | undefined;
  port?: number | undefined;
}

const digest = (s: string) => createHash("sha256").update(s).digest();

export function isLoopback(ip: string | undefined): boolean {
  if (!ip) return false;
  const v4 = ip.startsWith("::ffff:") ? ip.slice(7) : ip;
  return v4.startsWith("127.") || ip === "::1";
}

/** The check in front of the metrics handler. */
export function metricsGuard(access: MetricsAccess, opts: { loopbackOnly: boolean }): RequestHandler {
  const expected = access.token ? digest(access.token) : undefined;
  return (req, res, next) => {
    if (expected) {
      const given = bearerToken(req);
      // Compared as digests, in constant time, whatever the length of what was sent.
      if (!given || !timingSafeEqual(digest(given), expected)) {
        res.setHeader("WWW-Authenticate", 'Bearer realm="metrics"');
        return next(new AppError("unauthorized", "metrics: send Authorization: Bearer <METRICS_TOKEN>"));
      }
      return next();
    }
    if (opts.loopbackOnly && !isLoopback(req.ip)) {
      return next(new AppError("forbidden", "metrics: served to loopback clients only; set METRICS_TOKEN or METRICS_PORT to scrape from elsewhere"));
    }
    next();
  };
}

/** The separate listener of METRICS_PORT: /metrics and nothing else. */
export function metricsServer(access: MetricsAccess, handler: RequestHandler, log: Logger): Server {
  const app = express();
  app.disable("x-powered-by");
  app.get("/metrics", metricsGuard(access, { loopbackOnly: false }), handler);
  app.use(notFoundHandler);
  app.use(errorHandler(log));
  return createServer(app);
}

/** How the main app mounts /metrics, given the config; undefined when it must not. */
export function mainPortMetrics(access: MetricsAccess, handler: RequestHandler): RequestHandler[] | undefined {
  if (access.port) return undefined;
  return [metricsGuard(access, { loopbackOnly: !access.token }), handler];
}

/** Starts a listener; resolves with its URL, rejects when the port cannot be had. */
export function listenOn(server: Server, port: number, host: string): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      const shown = host === "0.0.0.0" || host === "::" ? "localhost" : host;
      resolve(`http://${shown}:${port}`);
    });
  });
}
