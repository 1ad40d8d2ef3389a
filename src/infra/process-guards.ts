// Process-wide safety nets. Some library code (the Socket.IO cluster adapters' heartbeat and
// session writes) fires Redis commands without handling their rejection; during a Redis
// outage those would crash a Node process with the default unhandled-rejection policy.
// The outage is already visible (readiness, adapter error metric, ioredis logs), so such
// rejections are logged and the server keeps serving what it can.
import type { Logger } from "./logger.ts";

let installed = false;

export function installProcessGuards(log: Logger) {
  if (installed) return;
  installed = true;
  process.on("unhandledRejection", (reason) => {
    log.warn({ err: reason instanceof Error ? { message: reason.message, name: reason.name, stack: reason.stack } : reason }, "unhandled rejection (kept running)");
  });
}
