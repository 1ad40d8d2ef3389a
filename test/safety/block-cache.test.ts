// The block checks' cache across nodes: two block services on one database, joined by an
// in-memory cluster bus. A block or unblock on one node is seen at once on the other (the
// bus message); with the message lost, a refusal is still never made on a stale "blocked"
// (it is confirmed by a read), and a stale "not blocked" lasts until the TTL at most.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { ClusterBus } from "../../src/infra/cluster-bus.ts";
import { createBlockService } from "../../src/safety/block.service.ts";
import { newId } from "../../src/shared/ids.ts";
import { openSqliteStorage, type SqliteStorage } from "../../src/storage/sqlite/open.ts";

/** Two buses that deliver to each other, unless `cut` (a node that misses messages). */
function busPair() {
  const handlers = [new Map<string, (p: unknown) => void>(), new Map<string, (p: unknown) => void>()];
  const state = { cut: false, sent: 0 };
  const bus = (i: 0 | 1): ClusterBus => ({
    async publish(event, payload) {
      state.sent++;
      if (!state.cut) handlers[1 - i]!.get(event)?.(payload);
    },
    subscribe: (event, onMessage) => void handlers[i]!.set(event, onMessage),
  });
  return { buses: [bus(0), bus(1)] as const, state };
}

describe("block cache across nodes", () => {
  let dir: string;
  let storage: SqliteStorage;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "block-cache-"));
    storage = await openSqliteStorage({ path: join(dir, "db.sqlite") });
  });
  after(async () => {
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function twoNodes() {
    const { buses, state } = busPair();
    const node = (i: 0 | 1) => createBlockService({ blocks: storage.blocks, users: storage.users, bus: buses[i] });
    const users = [];
    for (let i = 0; i < 2; i++) {
      const id = newId();
      users.push(await storage.users.create({ id, phone: `+1999${String(Date.now() % 1e7).padStart(7, "0")}${i}`, username: `bc_${id}`, display_name: "B", password_hash: "h", email: null }));
    }
    return { one: node(0), two: node(1), state, a: users[0]!.id, b: users[1]!.id };
  }

  it("a block and an unblock on one node reach the other's cache at once", async () => {
    const { one, two, a, b } = await twoNodes();
    assert.equal(await two.between(a, b), false, "cached on node two: no block");
    await one.block(a, b);
    assert.equal(await two.between(b, a), true);
    await assert.rejects(two.assertNotBlocked(b, a), { code: "blocked" });
    assert.deepEqual(await two.related(a), [b]);
    await one.unblock(a, b);
    assert.equal(await two.between(a, b), false);
    await two.assertNotBlocked(a, b);
  });

  it("with the message lost, a stale 'blocked' refuses nothing: refusals confirm with a read", async () => {
    const { one, two, state, a, b } = await twoNodes();
    await one.block(a, b);
    assert.equal(await two.between(a, b), true, "node two cached the block");
    state.cut = true;
    await one.unblock(a, b);
    assert.equal(await two.between(a, b), true, "node two's cache is stale until its TTL");
    await two.assertNotBlocked(a, b);
    assert.ok(state.sent >= 2, "the changes were published");
  });
});
