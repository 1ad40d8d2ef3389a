// Entry point: parse config → open the storage (SQLite under ./data, or MongoDB) and Redis
// → createApp (with the Socket.IO handlers of handlers/) → listen. It sits beside src/ and
// handlers/, not in either: here the transport is composed with the domain, and src/ never
// imports handlers/. With no
// environment at all it runs the embedded mode: SQLite, the in-memory Socket.IO adapter,
// local-disk uploads.
import { registerNamespaces } from "./handlers/index.ts";
import { createApp } from "./src/app.ts";
import { ConfigError, parseConfig } from "./src/config.ts";
import { resolveSecrets } from "./src/auth/secrets.ts";
import { createLogger } from "./src/infra/logger.ts";
import { createRedis } from "./src/infra/redis.ts";
import { installProcessGuards } from "./src/infra/process-guards.ts";
import { openStorage } from "./src/storage/open.ts";

async function main() {
  let config;
  try {
    config = parseConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
  const log = createLogger(config.log.level);
  installProcessGuards(log);

  const storage = await openStorage(config, log);
  const redis = config.redis.url ? createRedis(config.redis.url, log, "app") : undefined;
  const secrets = resolveSecrets(config.auth, config.dataDir);

  const app = await createApp({ config, log, storage, redis, secrets, realtime: registerNamespaces });
  const url = await app.listen(config.http.port, config.http.host);
  log.info({ url, adapter: app.adapterName, database: storage.kind }, "listening");
  console.log(`Chat server listening on ${url} (web client: ${url}/, API docs: ${url}/api/docs)`);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "shutting down: draining sockets and in-flight writes");
    const force = setTimeout(() => process.exit(1), config.delivery.shutdownTimeoutMs + 5000);
    force.unref();
    try {
      await app.close();
      await redis?.quit().catch(() => redis.disconnect());
      await storage.close();
    } finally {
      log.info("stopped");
      process.exit(0);
    }
  };
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
}

main().catch((err) => {
  console.error("fatal:", err instanceof Error ? err.message : err);
  process.exit(1);
});
