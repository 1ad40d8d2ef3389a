// Starts the real app in this process on a free port, against a real database (the
// embedded SQLite file in a temporary DATA_DIR, or MongoDB/FerretDB when `dbUri` is given)
// and (optionally) a real Redis, the way main.ts does but with test-friendly settings.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { registerNamespaces } from "../../handlers/index.ts";
import { createApp, type App } from "../../src/app.ts";
import { parseConfig } from "../../src/config.ts";
import { createLogger } from "../../src/infra/logger.ts";
import { createRedis } from "../../src/infra/redis.ts";
import { installProcessGuards } from "../../src/infra/process-guards.ts";
import { openStorage } from "../../src/storage/open.ts";

export interface TestServer {
  url: string;
  app: App;
  /** The DATA_DIR it runs on (SQLite file, uploads, secrets). */
  dataDir: string;
  close(): Promise<void>;
}

export const TEST_SECRETS = { access: "test-access-secret-0123456789abcdef", refresh: "test-refresh-secret-0123456789abcdef" };

export function testEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_ENV: "test",
    LOG_LEVEL: process.env.TEST_LOG_LEVEL || "silent",
    BCRYPT_ROUNDS: "4",
    HOST: "127.0.0.1",
    PORT: "0",
    DATA_DIR: mkdtempSync(join(tmpdir(), "chat-test-data-")),
    JWT_ACCESS_SECRET: TEST_SECRETS.access,
    JWT_REFRESH_SECRET: TEST_SECRETS.refresh,
    // Every test client comes from 127.0.0.1: per-IP budgets sized for people would trip
    // over the factories. The throttle tests set their own.
    REGISTER_MAX_PER_HOUR: "1000000",
    LOOKUP_MAX_PER_MIN: "1000000",
    LOOKUP_MAX_PER_MIN_PER_IP: "1000000",
    UPLOAD_MAX_PER_MIN: "1000000",
    ...extra,
  };
}

export async function startTestServer(opts: { dbUri?: string | undefined; redisUrl?: string; env?: Record<string, string> } = {}): Promise<TestServer> {
  const env = testEnv({ ...(opts.dbUri ? { MONGODB_URI: opts.dbUri } : {}), ...(opts.redisUrl ? { REDIS_URL: opts.redisUrl } : {}), ...opts.env });
  const config = parseConfig(env);
  const log = createLogger(config.log.level);
  installProcessGuards(log); // as main.ts does: a Redis outage must not crash the process
  const storage = await openStorage(config);
  const redis = config.redis.url ? createRedis(config.redis.url, log, "app") : undefined;
  const app = await createApp({ config, log, storage, redis, secrets: TEST_SECRETS, realtime: registerNamespaces });
  const url = await app.listen(0, "127.0.0.1");
  return {
    url,
    app,
    dataDir: config.dataDir,
    async close() {
      await app.close();
      await redis?.quit().catch(() => redis.disconnect());
      await storage.close();
    },
  };
}
