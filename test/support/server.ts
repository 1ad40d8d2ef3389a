// Starts the real app in this process on a free port, against a real database and
// (optionally) a real Redis, the way main.ts does but with test-friendly settings.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createApp, type App } from "../../src/app.ts";
import { parseConfig } from "../../src/config.ts";
import { createLogger } from "../../src/infra/logger.ts";
import { connectMongo } from "../../src/infra/mongo.ts";
import { createRedis } from "../../src/infra/redis.ts";
import { installProcessGuards } from "../../src/infra/process-guards.ts";

export interface TestServer {
  url: string;
  app: App;
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
    ...extra,
  };
}

export async function startTestServer(opts: { dbUri: string; redisUrl?: string; env?: Record<string, string> }): Promise<TestServer> {
  const env = testEnv({ MONGODB_URI: opts.dbUri, ...(opts.redisUrl ? { REDIS_URL: opts.redisUrl } : {}), ...opts.env });
  const config = parseConfig(env);
  const log = createLogger(config.log.level);
  installProcessGuards(log); // as main.ts does: a Redis outage must not crash the process
  const db = await connectMongo(opts.dbUri);
  const redis = config.redis.url ? createRedis(config.redis.url, log, "app") : undefined;
  const app = await createApp({ config, log, db, redis, secrets: TEST_SECRETS });
  const url = await app.listen(0, "127.0.0.1");
  return {
    url,
    app,
    async close() {
      await app.close();
      await redis?.quit().catch(() => redis.disconnect());
      await db.close();
    },
  };
}
