// GroupRepository (src/groups/group.repository.ts).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { GroupRecord } from "../../../src/groups/group.repository.ts";
import type { MemberRole } from "../../../src/messaging/conversation.repository.ts";
import { newId } from "../../../src/shared/ids.ts";
import type { Storage } from "../../../src/storage/storage.ts";
import { at, clockPast, duplicateKey, messageInput, sortStrings, withFresh, type GetStorage, type SuiteContext } from "./helpers.ts";

function groupInput(over: Partial<Omit<GroupRecord, "updated_at">> = {}): Omit<GroupRecord, "updated_at"> {
  return {
    id: `g-${newId()}`,
    name: "The group",
    description: "about it",
    is_public: true,
    owner_id: newId(),
    avatar_url: null,
    created_at: at("2020-01-01T00:00:00.000Z"),
    ...over,
  };
}

async function createGroup(s: Storage, over: Partial<Omit<GroupRecord, "updated_at">> = {}, extra: { user_id: string; role: MemberRole }[] = []) {
  const g = groupInput(over);
  return s.groups.create(g, [{ user_id: g.owner_id, role: "owner" }, ...extra]);
}

const memberSet = async (s: Storage, key: string) => sortStrings((await s.conversations.members(key)).map((m) => `${m.user_id}:${m.role}`));

export function groupsContract(get: GetStorage, ctx: SuiteContext): void {
  describe("groups", () => {
    it("create stores the group, its conversation group:<id> and its members; byId returns it", async () => {
      const s = get();
      const g = groupInput({ avatar_url: "https://cdn.example/g.png", is_public: false, created_at: at("2020-01-01T00:00:00.123Z") });
      const [admin, member] = [newId(), newId()];
      const created = await s.groups.create(g, [
        { user_id: g.owner_id, role: "owner" },
        { user_id: admin, role: "admin" },
        { user_id: member, role: "member" },
      ]);
      assert.ok(created.updated_at instanceof Date);
      assert.deepEqual(created, { ...g, updated_at: created.updated_at });
      assert.deepEqual(await s.groups.byId(g.id), created);
      assert.equal(await s.groups.byId(`g-${newId()}`), null);

      const conv = await s.conversations.byKey(`group:${g.id}`);
      assert.ok(conv, "the group's conversation exists");
      assert.equal(conv.type, "group");
      assert.equal(conv.last_seq, 0);
      assert.deepEqual(await memberSet(s, conv.key), sortStrings([`${g.owner_id}:owner`, `${admin}:admin`, `${member}:member`]));
      for (const u of [g.owner_id, admin, member]) assert.ok((await s.conversations.keysOf(u)).includes(conv.key));
      assert.equal((await s.messages.append(messageInput(conv.key, member))).message.seq, 1, "messages can be appended to it");
    });

    it("create with a taken id throws DuplicateKeyError 'id' and changes nothing", async () => {
      const s = get();
      const first = await createGroup(s, { name: "first" }, [{ user_id: newId(), role: "member" }]);
      const key = `group:${first.id}`;
      const before = await memberSet(s, key);
      const intruder = newId();
      await assert.rejects(s.groups.create(groupInput({ id: first.id, name: "second", owner_id: intruder }), [{ user_id: intruder, role: "owner" }]), duplicateKey("id"));
      assert.deepEqual(await s.groups.byId(first.id), first);
      assert.deepEqual(await memberSet(s, key), before, "the refused create added no member");
      assert.equal(await s.conversations.member(key, intruder), null);
    });

    it("5 concurrent creates of one id: one group, the others DuplicateKeyError 'id', the winner's members", async () => {
      const s = get();
      const id = `g-${newId()}`;
      const inputs = Array.from({ length: 5 }, (_, i) => groupInput({ id, name: `n${i}` }));
      const results = await Promise.allSettled(inputs.map((g) => s.groups.create(g, [{ user_id: g.owner_id, role: "owner" }])));
      const ok = results.flatMap((r, i) => (r.status === "fulfilled" ? [i] : []));
      assert.equal(ok.length, 1, "one create succeeded");
      for (const r of results) if (r.status === "rejected") duplicateKey("id")(r.reason);
      const w = inputs[ok[0]!]!;
      assert.equal((await s.groups.byId(id))!.name, w.name);
      assert.deepEqual(await memberSet(s, `group:${id}`), [`${w.owner_id}:owner`]);
    });

    it("two nodes: 6 concurrent creates of one id over both, one group", { skip: ctx.openNodes ? false : `${ctx.kind} runs in one process` }, async () => {
      const pair = await ctx.openNodes!(2);
      try {
        const nodes = pair.nodes;
        const id = `g-${newId()}`;
        const inputs = Array.from({ length: 6 }, (_, i) => groupInput({ id, name: `n${i}` }));
        const results = await Promise.allSettled(inputs.map((g, i) => nodes[i % 2]!.groups.create(g, [{ user_id: g.owner_id, role: "owner" }])));
        const ok = results.flatMap((r, i) => (r.status === "fulfilled" ? [i] : []));
        assert.equal(ok.length, 1);
        for (const r of results) if (r.status === "rejected") duplicateKey("id")(r.reason);
        assert.deepEqual(await memberSet(nodes[0]!, `group:${id}`), [`${inputs[ok[0]!]!.owner_id}:owner`]);
      } finally {
        await pair.stop();
      }
    });

    it("update sets the fields and moves updated_at; null when missing", async () => {
      const s = get();
      const g = await createGroup(s);
      await clockPast(g.updated_at);
      const u = await s.groups.update(g.id, { name: "Renamed", is_public: false });
      assert.ok(u);
      assert.ok(u.updated_at.getTime() > g.updated_at.getTime(), "updated_at moved");
      assert.deepEqual(u, { ...g, name: "Renamed", is_public: false, updated_at: u.updated_at });
      await clockPast(u.updated_at);
      const v = await s.groups.update(g.id, { description: "new description", avatar_url: "https://cdn.example/x.png" });
      assert.ok(v && v.updated_at.getTime() > u.updated_at.getTime());
      assert.deepEqual(v, { ...u, description: "new description", avatar_url: "https://cdn.example/x.png", updated_at: v.updated_at }, "a partial patch keeps the other fields");
      assert.deepEqual(await s.groups.byId(g.id), v);
      assert.equal(await s.groups.update(`g-${newId()}`, { name: "x" }), null);
    });

    it("touch sets updated_at", async () => {
      const s = get();
      const g = await createGroup(s);
      const t = new Date(Date.now() + 60_000);
      await s.groups.touch(g.id, t);
      assert.deepEqual(await s.groups.byId(g.id), { ...g, updated_at: t });
    });

    it("remove deletes the group, its conversation, members and messages; false when missing", async () => {
      const s = get();
      const member = newId();
      const g = await createGroup(s, {}, [{ user_id: member, role: "member" }]);
      const key = `group:${g.id}`;
      const { message } = await s.messages.append(messageInput(key, member));
      await s.messages.append(messageInput(key, g.owner_id));
      const survivor = await createGroup(s, {}, [{ user_id: member, role: "member" }]);
      await s.messages.append(messageInput(`group:${survivor.id}`, member));

      assert.equal(await s.groups.remove(g.id), true);
      assert.equal(await s.groups.byId(g.id), null);
      assert.equal(await s.conversations.byKey(key), null);
      assert.deepEqual(await s.conversations.members(key), []);
      assert.equal(await s.conversations.member(key, member), null);
      assert.deepEqual(await s.messages.latest(key, 10), []);
      assert.equal(await s.messages.byId(key, message.id), null);
      assert.equal(await s.messages.lastSeq(key), 0);
      assert.ok(!(await s.conversations.keysOf(member)).includes(key));
      assert.equal(await s.groups.remove(g.id), false, "already removed");
      assert.equal(await s.groups.remove(`g-${newId()}`), false);

      assert.deepEqual(await s.groups.byId(survivor.id), survivor, "another group is untouched");
      assert.equal((await s.messages.latest(`group:${survivor.id}`, 10)).length, 1);
      assert.ok((await s.conversations.keysOf(member)).includes(`group:${survivor.id}`));
    });

    it("listVisible: public groups and the user's own, most recently updated first, limited; mineOnly: only the user's", async () => {
      await withFresh(ctx.openFresh, async (s) => {
        const u = newId();
        const t = (n: number) => new Date(Date.parse("2020-01-01T00:00:00.000Z") + n * 1000);
        const P1 = await createGroup(s, { name: "P1", is_public: true });
        const M1 = await createGroup(s, { name: "M1", is_public: false }, [{ user_id: u, role: "member" }]);
        const P2 = await createGroup(s, { name: "P2", is_public: true }, [{ user_id: u, role: "admin" }]);
        const O1 = await createGroup(s, { name: "O1", is_public: false, owner_id: u });
        const X = await createGroup(s, { name: "X", is_public: false });
        const L = await createGroup(s, { name: "L", is_public: false }, [{ user_id: u, role: "member" }]);
        const times: [GroupRecord, number][] = [
          [P1, 1],
          [M1, 2],
          [P2, 3],
          [O1, 4],
          [X, 5],
          [L, 6],
        ];
        for (const [g, n] of times) await s.groups.touch(g.id, t(n));
        assert.equal(await s.conversations.removeMember(`group:${L.id}`, u), true, "u left L");

        const names = (gs: readonly GroupRecord[]) => gs.map((g) => g.name);
        const all = await s.groups.listVisible(u, false, 50);
        assert.deepEqual(names(all), ["O1", "P2", "M1", "P1"]);
        assert.deepEqual(all[0], await s.groups.byId(O1.id));
        assert.deepEqual(names(await s.groups.listVisible(u, false, 2)), ["O1", "P2"]);
        assert.deepEqual(names(await s.groups.listVisible(u, true, 50)), ["O1", "P2", "M1"]);
        assert.deepEqual(names(await s.groups.listVisible(u, true, 1)), ["O1"]);
        assert.deepEqual(names(await s.groups.listVisible(newId(), false, 50)), ["P2", "P1"], "a stranger sees the public ones");
        assert.deepEqual(await s.groups.listVisible(newId(), true, 50), []);

        await s.groups.update(P1.id, { name: "P1" });
        assert.equal((await s.groups.listVisible(u, false, 1))[0]!.id, P1.id, "an update moves it to the front");
      });
    });
  });
}
