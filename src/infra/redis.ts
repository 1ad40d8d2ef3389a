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

export async function pingRedis(client: Redis): Promise<boolean> {
  try {
    return (await client.ping()) === "PONG";
  } catch {
    return false;
  }
}
