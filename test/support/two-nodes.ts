// Two in-process server nodes sharing one FerretDB and one Redis, for a describe block:
// what a two-instance deployment looks like to clients that talk to each node directly.
import { after, before } from "node:test";
import { startDatabase, type TestDatabase } from "./database.ts";
import { startRedis, type TestRedis } from "./redis-server.ts";
import { startTestServer, type TestServer } from "./server.ts";
import { serverIdle } from "./wait.ts";

export interface TwoNodes {
  db: TestDatabase;
  redis: TestRedis;
  n1: TestServer;
  n2: TestServer;
}

/** Registers before/after hooks in the calling describe block; read the nodes inside tests. */
export function useTwoNodes(adapter: "streams" | "pubsub"): TwoNodes {
  const nodes = {} as TwoNodes;
  before(async () => {
    [nodes.db, nodes.redis] = await Promise.all([startDatabase(), startRedis()]);
    const opts = { dbUri: nodes.db.uri, redisUrl: nodes.redis.url, env: { SOCKET_ADAPTER: adapter } };
    nodes.n1 = await startTestServer(opts);
    nodes.n2 = await startTestServer(opts);
  });
  after(async () => {
    // Let the last clients' disconnects reach both nodes, and their presence work end, before they stop.
    await Promise.all([nodes.n1, nodes.n2].map((n) => n && serverIdle(n.app, 3000)));
    await nodes.n1?.close();
    await nodes.n2?.close();
    await Promise.all([nodes.db?.stop(), nodes.redis?.stop()]);
  });
  return nodes;
}
