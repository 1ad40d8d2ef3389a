// The group membership cache on its own, over a counting stand-in for the Group model: a
// warm entry costs no database call, concurrent lookups share one read, a change forgets
// (here and through the bus), a read that raced a change is not kept, and the TTL ends
// an entry whose invalidation never came.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { GroupModel, GroupRole } from "../../src/groups/group.model.ts";
import type { MembershipBus, MembershipChange } from "../../src/groups/membership-bus.ts";
import { createMembershipCache } from "../../src/groups/membership-cache.ts";

interface FakeGroup {
  _id: string;
  is_public: boolean;
  members: { user_id: string; role: GroupRole }[];
}

/** Answers like mongoose's `findById(...).lean()` and `find(...).lean()`, counting calls; `gate` holds reads back. */
function fakeGroups(initial: FakeGroup[]) {
  const docs = new Map(initial.map((g) => [g._id, g]));
  const calls = { findById: 0, find: 0 };
  let gate: Promise<void> = Promise.resolve();
  const snapshot = <T>(v: T): T => structuredClone(v);
  const model = {
    findById(id: string) {
      calls.findById++;
      const answer = snapshot(docs.get(id) ?? null); // read now, answered when the gate opens
      return { lean: async () => (await gate, answer) };
    },
    find(filter: { "members.user_id": { $in: string[] } }) {
      calls.find++;
      const ids = filter["members.user_id"].$in;
      const answer = snapshot([...docs.values()].filter((g) => g.members.some((m) => ids.includes(m.user_id))));
      return { lean: async () => (await gate, answer) };
    },
  };
  return {
    Group: model as unknown as GroupModel,
    docs,
    calls,
    hold() {
      let open!: () => void;
      gate = new Promise((r) => (open = r));
      return () => {
        open();
        gate = Promise.resolve();
      };
    },
  };
}

const team = (): FakeGroup => ({ _id: "team", is_public: false, members: [{ user_id: "ann", role: "owner" }, { user_id: "bob", role: "member" }] });

describe("group membership cache", () => {
  it("serves a warm group and a warm user's groups without touching the database", async () => {
    const db = fakeGroups([team(), { _id: "club", is_public: true, members: [{ user_id: "bob", role: "admin" }] }]);
    const cache = createMembershipCache({ Group: db.Group });
    const first = await cache.group("team");
    assert.equal(first?.roles.get("bob"), "member");
    assert.deepEqual([...(await cache.groupIdsOf("bob"))].sort(), ["club", "team"]);
    const before = { ...db.calls };
    for (let i = 0; i < 100; i++) {
      assert.equal((await cache.group("team"))?.roles.get("ann"), "owner");
      assert.deepEqual([...(await cache.groupIdsOf("bob"))].sort(), ["club", "team"]);
    }
    assert.deepEqual(db.calls, before, "no database call after warm-up");
    assert.equal(await cache.group("nope"), null);
  });

  it("shares one read among concurrent lookups, and one query among users asking together", async () => {
    const db = fakeGroups([team()]);
    const cache = createMembershipCache({ Group: db.Group });
    const groups = await Promise.all(Array.from({ length: 50 }, () => cache.group("team")));
    assert.equal(db.calls.findById, 1);
    assert.ok(groups.every((g) => g?.isPublic === false));
    const [ann, bob, cy] = await Promise.all([cache.groupIdsOf("ann"), cache.groupIdsOf("bob"), cache.groupIdsOf("cy")]);
    assert.deepEqual([ann, bob, cy], [["team"], ["team"], []]);
    assert.equal(db.calls.find, 1, "one query for the three users");
  });

  it("forgets on a change, here and on the other nodes through the bus", async () => {
    const db = fakeGroups([team()]);
    const listeners: ((c: MembershipChange) => void)[] = [];
    const bus: MembershipBus = {
      publish: async (c) => listeners.forEach((l) => l(c)),
      subscribe: (l) => void listeners.push(l),
    };
    const here = createMembershipCache({ Group: db.Group, bus: { ...bus, subscribe: () => {} } });
    const there = createMembershipCache({ Group: db.Group, bus });
    for (const cache of [here, there]) {
      assert.ok((await cache.group("team"))?.roles.has("bob"));
      assert.deepEqual(await cache.groupIdsOf("bob"), ["team"]);
    }
    db.docs.get("team")!.members.pop(); // bob removed
    await here.changed("team", ["bob"]);
    for (const cache of [here, there]) {
      assert.equal((await cache.group("team"))?.roles.has("bob"), false);
      assert.deepEqual(await cache.groupIdsOf("bob"), []);
    }
  });

  it("does not keep a read that was under way when the change arrived", async () => {
    const db = fakeGroups([team()]);
    const cache = createMembershipCache({ Group: db.Group });
    const release = db.hold();
    const racingGroup = cache.group("team"); // reads bob as a member...
    const racingUser = cache.groupIdsOf("bob");
    await new Promise((r) => setImmediate(r));
    db.docs.get("team")!.members.pop(); // ...then bob is removed and the change announced
    await cache.changed("team", ["bob"]);
    const afterGroup = cache.group("team"); // a lookup after the change must not join the old read
    const afterUser = cache.groupIdsOf("bob");
    release();
    assert.equal((await racingGroup)?.roles.has("bob"), true, "the racing caller gets what it read");
    assert.deepEqual(await racingUser, ["team"]);
    assert.equal((await afterGroup)?.roles.has("bob"), false);
    assert.deepEqual(await afterUser, []);
    assert.equal((await cache.group("team"))?.roles.has("bob"), false, "the old read was not stored");
    assert.deepEqual(await cache.groupIdsOf("bob"), []);
  });

  it("re-reads once the TTL has passed (a missed invalidation ends there)", async () => {
    const db = fakeGroups([team()]);
    const cache = createMembershipCache({ Group: db.Group, ttlMs: 50 });
    assert.ok((await cache.group("team"))?.roles.has("bob"));
    db.docs.get("team")!.members.pop(); // changed elsewhere, and nobody said so
    assert.ok((await cache.group("team"))?.roles.has("bob"), "still cached");
    await new Promise((r) => setTimeout(r, 80));
    assert.equal((await cache.group("team"))?.roles.has("bob"), false);
    assert.equal(db.calls.findById, 2);
  });

  it("passes a database error to the callers and keeps nothing", async () => {
    const db = fakeGroups([team()]);
    let fail = true;
    const findById = db.Group.findById.bind(db.Group);
    (db.Group as unknown as { findById: unknown }).findById = (id: string) =>
      fail ? { lean: async () => Promise.reject(new Error("db down")) } : findById(id);
    const cache = createMembershipCache({ Group: db.Group });
    await assert.rejects(cache.group("team"), /db down/);
    fail = false;
    assert.ok((await cache.group("team"))?.roles.has("ann"));
  });
});
