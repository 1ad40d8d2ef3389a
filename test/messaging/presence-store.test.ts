// Presence: one suite, run against every PresenceStore implementation (process memory
// and a real Redis). A user is online while any of their sockets is registered.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { createLogger } from "../../src/infra/logger.ts";
import { createRedis, type Redis } from "../../src/infra/redis.ts";
import { memoryPresence, redisPresence, type PresenceStore } from "../../src/presence/presence-store.ts";
import { startRedis, type TestRedis } from "../support/redis-server.ts";
import { sleep, waitFor } from "../support/wait.ts";

const TTL_MS = 400;
let server: TestRedis;
let redis: Redis;
before(async () => {
  server = await startRedis();
  redis = createRedis(server.url, createLogger("silent"), "presence-test");
});
after(async () => {
  redis.disconnect();
  await server.stop();
});

/** `expires`: sockets a node stops refreshing fall out after the TTL (a crashed node). */
const IMPLEMENTATIONS: { name: string; expires: boolean; create(): PresenceStore }[] = [
  { name: "memory", expires: false, create: () => memoryPresence() },
  { name: "redis", expires: true, create: () => redisPresence(redis, TTL_MS) },
];

for (const impl of IMPLEMENTATIONS) {
  describe(`PresenceStore (${impl.name})`, () => {
    const user = () => `u-${randomUUID()}`;

    it("counts each socket of a user once; add and remove return the new count", async () => {
      const p = impl.create();
      const u = user();
      assert.equal(await p.count(u), 0);
      assert.equal(await p.add(u, "s1"), 1);
      assert.equal(await p.add(u, "s2"), 2);
      assert.equal(await p.add(u, "s1"), 2, "adding a socket twice counts it once");
      assert.equal(await p.count(u), 2);
      assert.equal(await p.remove(u, "s1"), 1);
      assert.equal(await p.remove(u, "s1"), 1, "removing twice is harmless");
      assert.equal(await p.remove(u, "s2"), 0);
      assert.equal(await p.count(u), 0);
      assert.equal(await p.remove(u, "never-added"), 0);
    });

    it("keeps users apart", async () => {
      const p = impl.create();
      const [a, b] = [user(), user()];
      await p.add(a, "same-socket-id");
      await p.add(b, "same-socket-id");
      assert.equal(await p.remove(a, "same-socket-id"), 0);
      assert.equal(await p.count(b), 1);
    });

    it("remembers the last time a user was seen", async () => {
      const p = impl.create();
      const u = user();
      assert.equal(await p.lastSeen(u), null);
      await p.setLastSeen(u, "2026-01-01T10:00:00.000Z");
      assert.equal(await p.lastSeen(u), "2026-01-01T10:00:00.000Z");
      await p.setLastSeen(u, "2026-01-02T10:00:00.000Z");
      assert.equal(await p.lastSeen(u), "2026-01-02T10:00:00.000Z");
      assert.equal(await p.lastSeen(user()), null);
    });

    it("keeps refreshed sockets counted beyond the TTL", async () => {
      const p = impl.create();
      const u = user();
      await p.add(u, "s1");
      // Time is what this is about: refreshed every TTL/2 (as a live node does), for twice the
      // TTL, the socket must never fall out. Nothing to wait for; the time must pass.
      for (let i = 0; i < 4; i++) {
        await sleep(TTL_MS / 2);
        await p.refresh([{ userId: u, socketId: "s1" }]);
      }
      assert.equal(await p.count(u), 1);
      await p.refresh([]);
    });

    it("refresh does not resurrect a socket that was removed", async () => {
      const p = impl.create();
      const u = user();
      await p.add(u, "s1");
      await p.remove(u, "s1");
      await p.refresh([{ userId: u, socketId: "s1" }]);
      assert.equal(await p.count(u), 0);
    });

    if (impl.expires) {
      it("lets sockets of a node that stopped refreshing fall out after the TTL", async () => {
        const p = impl.create();
        const u = user();
        await p.add(u, "crashed-node-socket");
        await p.add(u, "live-socket");
        // The live node refreshes its socket every TTL/2 until the crashed node's has fallen out.
        const fellOut = async () => {
          await p.refresh([{ userId: u, socketId: "live-socket" }]);
          return (await p.count(u)) === 1;
        };
        await waitFor(fellOut, "the crashed node's socket to fall out", 3 * TTL_MS, TTL_MS / 2);
        assert.equal(await p.remove(u, "live-socket"), 0);
      });
    }
  });
}
