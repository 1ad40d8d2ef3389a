// Redis clients (ioredis). Redis is optional in embedded mode and required in cluster mode.
import { Redis } from "ioredis";
import type { Logger } from "./logger.ts";

export type { Redis };

export function createRedis(url: string, log: Logger, name: string): Redis {
  const client = new Redis(url, {
    connectionName: name,
    // Keep retrying for ever with a capped backoff: a Redis restart must not kill the server.
    retryStrategy: (times) => Math.min(times * 200, 2000),
    maxRetriesPerRequest: 3,
    enableAutoPipelining: true,
  });
  let lastError = "";
  client.on("error", (err: Error) => {
    // ioredis emits the same error on every retry; log each distinct failure once.
    if (err.message !== lastError) log.warn({ err: err.message, client: name }, "redis error");
    lastError = err.message;
  });
  client.on("ready", () => {
    lastError = "";
  });
  return client;
}

/** Readiness: a PONG within the timeout. ioredis would otherwise queue the PING until Redis returns. */
export async function pingRedis(client: Redis, timeoutMs = 1000): Promise<boolean> {
  if (client.status !== "ready") return false;
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<string>((resolve) => (timer = setTimeout(() => resolve("timeout"), timeoutMs)));
    return (await Promise.race([client.ping(), timeout])) === "PONG";
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}
