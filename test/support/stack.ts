// One real stack per test file: the app on a free port on its embedded SQLite database
// (what a user gets by default), or on FerretDB (`db: "ferretdb"`, cluster mode's
// MongoDB protocol), optionally with Redis.
import { startDatabase, type TestDatabase } from "./database.ts";
import { api, type Api } from "./http.ts";
import { startRedis, type TestRedis } from "./redis-server.ts";
import { startTestServer, type TestServer } from "./server.ts";

export interface Stack {
  /** Only with `db: "ferretdb"`. */
  db?: TestDatabase;
  redis?: TestRedis;
  server: TestServer;
  url: string;
  api: Api;
  stop(): Promise<void>;
}

export async function startStack(opts: { redis?: boolean; env?: Record<string, string>; db?: "sqlite" | "ferretdb" } = {}): Promise<Stack> {
  const [db, redis] = await Promise.all([
    opts.db === "ferretdb" ? startDatabase() : Promise.resolve(undefined),
    opts.redis ? startRedis() : Promise.resolve(undefined),
  ]);
  const server = await startTestServer({ dbUri: db?.uri, ...(redis ? { redisUrl: redis.url } : {}), ...(opts.env ? { env: opts.env } : {}) });
  return {
    ...(db ? { db } : {}),
    ...(redis ? { redis } : {}),
    server,
    url: server.url,
    api: api(server.url, { services: server.app.services }),
    async stop() {
      await server.close().catch(() => {});
      await Promise.all([db?.stop(), redis?.stop()]);
    },
  };
}
