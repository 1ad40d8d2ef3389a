// Suspension across two nodes sharing FerretDB (MongoDB storage) and Redis (issue 15): the
// operator suspends on one node; the user's sockets on both nodes are told and cut, and the
// other node's handshake refuses an access token issued before (its cached user facts and
// session were told over the cluster bus, well within their TTL).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { connectClient, connected, nextEvent } from "../support/clients.ts";
import { connectReady } from "../support/conversations.ts";
import { startDatabase, type TestDatabase } from "../support/database.ts";
import { buildUser } from "../support/factories.ts";
import { api } from "../support/http.ts";
import { startRedis, type TestRedis } from "../support/redis-server.ts";
import { startTestServer, type TestServer } from "../support/server.ts";
import { serverIdle } from "../support/wait.ts";
import { buildOperator, newOperatorId } from "./operator.ts";

const OPERATOR = newOperatorId();
let db: TestDatabase, redis: TestRedis, n1: TestServer, n2: TestServer;
before(async () => {
  [db, redis] = await Promise.all([startDatabase(), startRedis()]);
  const opts = { dbUri: db.uri, redisUrl: redis.url, env: { ADMIN_USER_IDS: OPERATOR } };
  n1 = await startTestServer(opts);
  n2 = await startTestServer(opts);
});
after(async () => {
  await Promise.all([n1, n2].map((n) => n && serverIdle(n.app, 3000)));
  await n1?.close();
  await n2?.close();
  await Promise.all([db?.stop(), redis?.stop()]);
});

const disconnected = (socket: { once(e: "disconnect", f: (reason: string) => void): unknown }) => new Promise<string>((resolve) => socket.once("disconnect", resolve));

describe("suspension on two nodes", () => {
  it("ends the user's sockets on both nodes; the other node's handshake refuses the old token", async () => {
    const operator = await buildOperator(api(n1.url), n1.app.services.storage, OPERATOR);
    const u = await buildUser(api(n1.url));
    // Node 2 caches the user's facts and session as fine.
    const [s1, s2] = [await connectReady(n1.url, "groups", u.token), await connectReady(n2.url, "dm", u.token)];
    try {
      const told = [nextEvent(s1, "session_ended"), nextEvent(s2, "session_ended")];
      const gone = [disconnected(s1), disconnected(s2)];
      const res = await api(n1.url).post(`/api/admin/users/${u.id}/suspend`, { reason: "fraud" }, operator.token);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      await Promise.all(told);
      assert.deepEqual(await Promise.all(gone), ["io server disconnect", "io server disconnect"]);
    } finally {
      s1.close();
      s2.close();
    }
    const again = connectClient(n2.url, "groups", u.token);
    try {
      await assert.rejects(connected(again), (err: Error & { data?: { code?: string } }) => err.data?.code === "account_suspended");
    } finally {
      again.close();
    }
    const login = await api(n2.url).post("/api/auth/login", { username: u.phone, password: u.password });
    assert.deepEqual([login.status, login.body.error?.code], [403, "account_suspended"]);
    assert.equal((await api(n2.url).del(`/api/admin/users/${u.id}/suspend`, operator.token)).status, 200);
    const back = await api(n1.url).post("/api/auth/login", { username: u.phone, password: u.password });
    assert.equal(back.status, 200);
    (await connectReady(n2.url, "groups", back.body.access_token)).close();
  });
});
