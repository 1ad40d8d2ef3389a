// The caches behind the Socket.IO handshake (src/users/batched-ttl-cache.ts,
// src/users/user-facts.ts, src/auth/session-check.ts): misses are batched, hits cost no
// query, and a change made elsewhere (another node, the database directly) is seen
// within the TTL; a change made through this node's services, at once.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import jwt from "jsonwebtoken";
import { createSessionCheck } from "../../src/auth/session-check.ts";
import { createBatchedTtlCache } from "../../src/users/batched-ttl-cache.ts";
import { createUserFacts } from "../../src/users/user-facts.ts";
import { buildUser } from "../support/factories.ts";
import { startStack, type Stack } from "../support/stack.ts";
import { waitFor } from "../support/wait.ts";

/** A fake table; while `hold()` is on, its loads wait for `release()` (a read in flight). */
function fakeSource() {
  const calls: string[][] = [];
  const values = new Map<string, number>();
  let gate: PromiseWithResolvers<void> | undefined;
  return {
    calls,
    values,
    hold() {
      gate = Promise.withResolvers();
    },
    release() {
      gate?.resolve();
      gate = undefined;
    },
    async load(ids: string[]) {
      calls.push(ids);
      const snapshot = new Map(ids.filter((id) => values.has(id)).map((id) => [id, values.get(id)!]));
      await (gate?.promise ?? new Promise((r) => setImmediate(r)));
      return snapshot;
    },
  };
}

describe("batched TTL cache", () => {
  it("coalesces concurrent misses into few batched loads and serves hits without loading", async () => {
    const src = fakeSource();
    for (let i = 0; i < 1000; i++) src.values.set(`u${i}`, i);
    const cache = createBatchedTtlCache<number>({ ttlMs: 10_000, maxEntries: 10_000, maxBatch: 300, maxConcurrent: 2, load: src.load });
    // Every id asked twice at once: one read each.
    const ids = [...Array.from({ length: 1000 }, (_, i) => `u${i}`), ...Array.from({ length: 1000 }, (_, i) => `u${i}`)];
    const got = await Promise.all(ids.map((id) => cache.get(id)));
    assert.deepEqual(got, ids.map((id) => Number(id.slice(1))));
    assert.ok(src.calls.length <= 5, `${src.calls.length} loads`);
    assert.equal(src.calls.flat().length, 1000, "each id read once");
    assert.ok(src.calls.every((c) => c.length <= 300));
    const loads = src.calls.length;
    assert.equal(cache.get("u7"), 7, "a hit is a plain value, no promise");
    assert.equal(src.calls.length, loads);
  });

  it("caches absence too, re-reads after the TTL, and bounds its size", async () => {
    const src = fakeSource();
    let clock = 0;
    const cache = createBatchedTtlCache<number>({ ttlMs: 100, maxEntries: 3, maxBatch: 10, maxConcurrent: 1, load: src.load, now: () => clock });
    assert.equal(await cache.get("gone"), null);
    assert.equal(cache.get("gone"), null);
    src.values.set("gone", 1);
    clock = 101;
    assert.equal(await cache.get("gone"), 1);
    for (const id of ["a", "b", "c", "d"]) await cache.get(id);
    assert.equal(cache.size, 3);
  });

  it("forget and set win over a read that was in flight", async () => {
    const src = fakeSource();
    src.values.set("x", 1);
    const cache = createBatchedTtlCache<number>({ ttlMs: 10_000, maxEntries: 100, maxBatch: 10, maxConcurrent: 1, load: src.load });
    src.hold();
    const early = cache.get("x");
    await waitFor(() => src.calls.length === 1, "the read of 1 to be in flight");
    src.values.set("x", 2);
    cache.forget(["x"]);
    src.release();
    assert.equal(await early, 1, "who asked before the change gets what was read");
    assert.equal(await cache.get("x"), 2, "the stale read was not cached");

    src.hold();
    const inFlight = cache.get("y");
    await waitFor(() => src.calls.length === 3, "the read of y to be in flight");
    cache.set("y", 9);
    src.release();
    assert.equal(await inFlight, null);
    assert.equal(cache.get("y"), 9);
  });

  it("passes a failed read to its waiters and caches nothing", async () => {
    let fail = true;
    const cache = createBatchedTtlCache<number>({
      ttlMs: 10_000,
      maxEntries: 100,
      maxBatch: 10,
      maxConcurrent: 1,
      load: async (ids) => {
        if (fail) throw new Error("db down");
        return new Map(ids.map((id) => [id, 1]));
      },
    });
    await assert.rejects(Promise.resolve(cache.get("z")), /db down/);
    fail = false;
    assert.equal(await cache.get("z"), 1);
  });
});

describe("user facts and session check on the real database", () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack();
  });
  after(() => stack.stop());

  it("a session revoked in the database is refused once the TTL has passed", async () => {
    const { sessions } = stack.server.app.services.storage;
    const u = await buildUser(stack.api);
    const { sid } = jwt.decode(u.token) as { sid: string };
    let clock = Date.now();
    const check = createSessionCheck({ sessions, ttlMs: 300, now: () => clock });
    assert.equal(await check.isLive(sid, u.id), true);
    assert.equal(await check.isLive(sid, "000000000000000000000000"), false, "a session of another user");
    // Straight to the database: no invalidation reaches this cache.
    await sessions.revokeSession(sid, "test", new Date());
    clock += 299;
    assert.equal(await check.isLive(sid, u.id), true, "cached within the TTL");
    clock += 2;
    assert.equal(await check.isLive(sid, u.id), false);
    assert.equal(await check.isLive("no-such-session", u.id), false);
  });

  it("a user gone from the database is gone once the TTL has passed", async () => {
    const { users } = stack.server.app.services.storage;
    const u = await buildUser(stack.api);
    // The API deletes no user yet: the repository answers as if this one were deleted.
    const gone = new Set<string>();
    let clock = Date.now();
    const facts = createUserFacts({ users: { ...users, byIds: async (ids) => (await users.byIds(ids)).filter((x) => !gone.has(x.id)) }, ttlMs: 300, now: () => clock });
    assert.equal((await facts.get(u.id))?.username, u.username);
    assert.equal(await facts.get("not-an-object-id"), null);
    gone.add(u.id);
    clock += 299;
    assert.ok(await facts.get(u.id), "cached within the TTL");
    clock += 2;
    assert.equal(await facts.get(u.id), null);
  });

  it("the app's cache sees a partner link and a mood change made on this node at once", async () => {
    const appFacts = stack.server.app.services.userFacts;
    const [a, b] = [await buildUser(stack.api), await buildUser(stack.api)];
    assert.equal((await appFacts.get(a.id))?.partnerId, null);
    assert.equal((await appFacts.get(b.id))?.partnerId, null);
    const req = await stack.api.post("/api/partners/request", { recipient_id: b.id }, a.token);
    assert.equal((await stack.api.post(`/api/partners/requests/${req.body.id}/respond`, { action: "accept" }, b.token)).status, 204);
    assert.equal((await appFacts.get(a.id))?.partnerId, b.id);
    assert.equal((await appFacts.get(b.id))?.partnerId, a.id);

    assert.equal((await stack.api.put("/api/users/me/profile", { mood: "sunny" }, a.token)).status, 200);
    assert.equal((await appFacts.get(a.id))?.mood, "sunny");
  });
});
