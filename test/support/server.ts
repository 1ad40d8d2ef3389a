// Starts the real app in this process on a free port, against a real database (the
// embedded SQLite file in a temporary DATA_DIR, or MongoDB/FerretDB when `dbUri` is given)
// and (optionally) a real Redis, the way main.ts does but with test-friendly settings.
import { registerNamespaces } from "../../handlers/index.ts";
import { createApp, type App } from "../../src/app.ts";
import { parseConfig } from "../../src/config.ts";
import { createLogger } from "../../src/infra/logger.ts";
import { createRedis } from "../../src/infra/redis.ts";
import { installProcessGuards } from "../../src/infra/process-guards.ts";
import { openStorage } from "../../src/storage/open.ts";
import { TEST_SECRETS, testEnv } from "./env.ts";

export interface TestServer {
  url: string;
  app: App;
  /** The DATA_DIR it runs on (SQLite file, uploads, secrets). */
  dataDir: string;
  close(): Promise<void>;
}

export { TEST_SECRETS, testEnv } from "./env.ts";

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
