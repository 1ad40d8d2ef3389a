// ConversationRepository (src/messaging/conversation.repository.ts).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { MemberRecord } from "../../../src/messaging/conversation.repository.ts";
import { newId } from "../../../src/shared/ids.ts";
import type { Storage } from "../../../src/storage/storage.ts";
import { at, countOf, keyFor, messageInput, newConversation, range, shuffled, sortStrings, type GetStorage, type SuiteContext } from "./helpers.ts";

function byUser(ms: readonly MemberRecord[]): MemberRecord[] {
  return [...ms].sort((a, b) => (a.user_id < b.user_id ? -1 : a.user_id > b.user_id ? 1 : 0));
}

export function conversationsContract(get: GetStorage, ctx: SuiteContext): void {
  describe("conversations", () => {
    it("ensure creates the conversation with its members; byKey and member() return them", async () => {
      const s = get();
      const key = keyFor("couple");
      const [a, b] = [newId(), newId()];
      const input = { key, type: "couple" as const, public_id: `pub-${newId()}`, mode: "normal" as const, created_at: at("2030-01-01T00:00:00.001Z") };
      const res = await s.conversations.ensure(input, [
        { user_id: a, role: "owner" },
        { user_id: b, role: "member" },
      ]);
      assert.equal(res.created, true);
      assert.deepEqual(res.conversation, { ...input, last_seq: 0, last_message_at: null });
      assert.deepEqual(await s.conversations.byKey(key), res.conversation);
      assert.equal(await s.conversations.byKey(keyFor("couple")), null);

      const ma = await s.conversations.member(key, a);
      assert.ok(ma && ma.joined_at instanceof Date);
      assert.deepEqual(ma, { conversation_key: key, user_id: a, role: "owner", joined_at: ma.joined_at, read_seq: 0, read_at: null, muted_until: null });
      assert.equal((await s.conversations.member(key, b))?.role, "member");
      assert.equal(await s.conversations.member(key, newId()), null);
      assert.deepEqual(byUser(await s.conversations.members(key)), byUser([ma, (await s.conversations.member(key, b))!]));
    });

    it("membersOfMany returns each conversation's members as members() does, in one read; keys without members are absent", async () => {
      const s = get();
      const keys = [keyFor("group"), keyFor("group"), keyFor("dm")];
      for (const [i, key] of keys.entries()) {
        const users = range(1, i + 2).map(() => newId());
        await s.conversations.ensure({ key, type: key.startsWith("dm") ? "dm" : "group", public_id: `pub-${newId()}`, mode: null, created_at: at("2030-01-01T00:00:00.000Z") }, users.map((user_id, j) => ({ user_id, role: j === 0 ? "owner" : "member" })));
        await s.conversations.addMember(key, { user_id: newId(), role: "member", joined_at: at(`2030-01-0${i + 2}T00:00:00.000Z`) });
      }
      const empty = keyFor("group");
      const many = await s.conversations.membersOfMany([...keys, empty]);
      assert.equal(many.has(empty), false);
      for (const key of keys) assert.deepEqual(many.get(key), await s.conversations.members(key), key);
      assert.deepEqual(await s.conversations.membersOfMany([]), new Map());
    });

    it("ensure twice: created true then false, the first conversation and only the first call's members", async () => {
      const s = get();
      const key = keyFor("dm");
      const [a, b, c] = [newId(), newId(), newId()];
      const first = await s.conversations.ensure({ key, type: "dm", public_id: "first", mode: null, created_at: at("2030-01-01T00:00:00.000Z") }, [
        { user_id: a, role: "member" },
        { user_id: b, role: "member" },
      ]);
      const second = await s.conversations.ensure({ key, type: "dm", public_id: "second", mode: "fight", created_at: at("2031-01-01T00:00:00.000Z") }, [
        { user_id: c, role: "owner" },
        { user_id: a, role: "admin" },
      ]);
      assert.equal(first.created, true);
      assert.equal(second.created, false);
      assert.deepEqual(second.conversation, first.conversation, "the existing conversation is returned unchanged");
      const members = await s.conversations.members(key);
      assert.deepEqual(sortStrings(members.map((m) => `${m.user_id}:${m.role}`)), sortStrings([`${a}:member`, `${b}:member`]));
    });

    it("20 concurrent ensure of one key create one conversation with one call's members", async () => {
      const s = get();
      const key = keyFor("group");
      const common = newId();
      const calls = Array.from({ length: 20 }, (_, i) => ({
        c: { key, type: "group" as const, public_id: `pub-${i}`, mode: null, created_at: new Date(Date.parse("2030-01-01T00:00:00.000Z") + i) },
        members: [
          { user_id: newId(), role: "owner" as const },
          { user_id: common, role: "member" as const },
        ],
      }));
      const results = await Promise.all(calls.map((x) => s.conversations.ensure(x.c, x.members)));
      assert.equal(results.filter((r) => r.created).length, 1, "created exactly once");
      const w = results.findIndex((r) => r.created);
      const winner = results[w]!.conversation;
      assert.equal(winner.public_id, `pub-${w}`);
      for (const r of results) assert.deepEqual(r.conversation, winner, "every call returns the one conversation");
      assert.deepEqual(await s.conversations.byKey(key), winner);
      const members = await s.conversations.members(key);
      assert.deepEqual(sortStrings(members.map((m) => `${m.user_id}:${m.role}`)), sortStrings(calls[w]!.members.map((m) => `${m.user_id}:${m.role}`)));
    });

    it("two nodes: concurrent ensure and addMember over both", { skip: ctx.openNodes ? false : `${ctx.kind} runs in one process` }, async () => {
      const pair = await ctx.openNodes!(2);
      try {
        const [a, b] = pair.nodes as [Storage, Storage];
        const key = keyFor("group");
        const results = await Promise.all(
          range(0, 9).map((i) => (i % 2 ? a : b).conversations.ensure({ key, type: "group", public_id: `pub-${i}`, mode: null, created_at: new Date() }, [{ user_id: `${i}`.padStart(24, "0"), role: "owner" }])),
        );
        assert.equal(results.filter((r) => r.created).length, 1, "created once across the nodes");
        const w = results.findIndex((r) => r.created);
        assert.deepEqual(
          (await b.conversations.members(key)).map((m) => m.user_id),
          [`${w}`.padStart(24, "0")],
        );
        const users = range(1, 20).map(() => newId());
        assert.deepEqual(await Promise.all(users.map((u, i) => (i % 2 ? a : b).conversations.addMember(key, { user_id: u, role: "member", joined_at: new Date() }))), users.map(() => true));
        assert.equal((await a.conversations.members(key)).length, 21);
      } finally {
        await pair.stop();
      }
    });

    it("two nodes: concurrent markRead end at the highest; concurrent addMember of one user adds it once", { skip: ctx.openNodes ? false : `${ctx.kind} runs in one process` }, async () => {
      const pair = await ctx.openNodes!(2);
      try {
        const [a, b] = pair.nodes as [Storage, Storage];
        const u = newId();
        const c = await newConversation(a, { members: [{ user_id: u, role: "member" }] });
        await Promise.all(shuffled(range(1, 20)).map((seq) => (seq % 2 ? a : b).conversations.markRead(c.key, u, seq, new Date())));
        // MongoDB's $max is atomic: 20. FerretDB v1 (this suite's server) applies it as
        // read-then-write, so two nodes racing can leave a lower mark there (the interface's
        // documented bound); the next receipt raises it.
        const raced = (await b.conversations.member(c.key, u))!.read_seq;
        assert.ok(raced >= 1 && raced <= 20, `a position that was marked (${raced})`);
        assert.equal((await a.conversations.markRead(c.key, u, 20, new Date()))?.seq, 20);
        assert.equal((await b.conversations.member(c.key, u))!.read_seq, 20, "the next receipt settles it, seen from the other node");
        const v = newId();
        const added = await Promise.all(range(1, 10).map((i) => (i % 2 ? a : b).conversations.addMember(c.key, { user_id: v, role: "member", joined_at: new Date() })));
        assert.equal(countOf(added, true), 1);
        assert.equal((await a.conversations.members(c.key)).length, 2);
      } finally {
        await pair.stop();
      }
    });

    it("setMode changes the mode", async () => {
      const s = get();
      const c = await newConversation(s, { type: "couple", mode: "normal" });
      await s.conversations.setMode(c.key, "fight");
      assert.deepEqual(await s.conversations.byKey(c.key), { ...c, mode: "fight" });
      await s.conversations.setMode(c.key, "incognito");
      assert.equal((await s.conversations.byKey(c.key))!.mode, "incognito");
    });

    it("members are ordered by joined_at", async () => {
      const s = get();
      const c = await newConversation(s);
      const users = [newId(), newId(), newId(), newId()];
      const times = ["2030-01-01T00:00:03.000Z", "2030-01-01T00:00:01.000Z", "2030-01-01T00:00:04.000Z", "2030-01-01T00:00:02.000Z"].map(at);
      for (let i = 0; i < users.length; i++) assert.equal(await s.conversations.addMember(c.key, { user_id: users[i]!, role: "member", joined_at: times[i]! }), true);
      const members = await s.conversations.members(c.key);
      assert.deepEqual(
        members.map((m) => m.user_id),
        [users[1], users[3], users[0], users[2]],
      );
      assert.deepEqual(members[0], { conversation_key: c.key, user_id: users[1], role: "member", joined_at: times[1], read_seq: 0, read_at: null, muted_until: null });
      assert.deepEqual(await s.conversations.members(keyFor("group")), [], "no members of an unknown conversation");
    });

    it("addMember is false (and changes nothing) for a member; removeMember and setRole are false for a non-member", async () => {
      const s = get();
      const u = newId();
      const c = await newConversation(s, { members: [{ user_id: u, role: "owner" }] });
      const before = await s.conversations.member(c.key, u);
      assert.equal(await s.conversations.addMember(c.key, { user_id: u, role: "member", joined_at: new Date() }), false);
      assert.deepEqual(await s.conversations.member(c.key, u), before, "role and joined_at unchanged");

      const v = newId();
      assert.equal(await s.conversations.setRole(c.key, v, "admin"), false);
      assert.equal(await s.conversations.member(c.key, v), null, "setRole does not add a member");
      assert.equal(await s.conversations.removeMember(c.key, v), false);

      assert.equal(await s.conversations.addMember(c.key, { user_id: v, role: "member", joined_at: new Date() }), true);
      assert.equal(await s.conversations.setRole(c.key, v, "admin"), true);
      assert.equal((await s.conversations.member(c.key, v))!.role, "admin");
      assert.equal(await s.conversations.removeMember(c.key, v), true);
      assert.equal(await s.conversations.member(c.key, v), null);
      assert.equal(await s.conversations.removeMember(c.key, v), false, "already removed");
      assert.deepEqual((await s.conversations.members(c.key)).map((m) => m.user_id), [u]);
    });

    it("20 concurrent addMember of different users: all true, all 20 present", async () => {
      const s = get();
      const owner = newId();
      const c = await newConversation(s, { members: [{ user_id: owner, role: "owner" }] });
      const users = Array.from({ length: 20 }, () => newId());
      const results = await Promise.all(users.map((u) => s.conversations.addMember(c.key, { user_id: u, role: "member", joined_at: new Date() })));
      assert.deepEqual(results, users.map(() => true));
      assert.deepEqual(sortStrings((await s.conversations.members(c.key)).map((m) => m.user_id)), sortStrings([owner, ...users]));
    });

    it("10 concurrent addMember of the same user: exactly one true, one member record", async () => {
      const s = get();
      const c = await newConversation(s);
      const u = newId();
      const results = await Promise.all(range(1, 10).map(() => s.conversations.addMember(c.key, { user_id: u, role: "member", joined_at: new Date() })));
      assert.equal(countOf(results, true), 1);
      assert.equal((await s.conversations.members(c.key)).length, 1);
    });

    it("concurrent removeMember of X with addMember of 5 others: X gone, the 5 there", async () => {
      const s = get();
      for (let round = 0; round < 3; round++) {
        const [owner, x] = [newId(), newId()];
        const c = await newConversation(s, {
          members: [
            { user_id: owner, role: "owner" },
            { user_id: x, role: "member" },
          ],
        });
        const five = Array.from({ length: 5 }, () => newId());
        const ops: Promise<boolean>[] = five.map((u) => s.conversations.addMember(c.key, { user_id: u, role: "member", joined_at: new Date() }));
        ops.splice(round + 1, 0, s.conversations.removeMember(c.key, x));
        assert.deepEqual(await Promise.all(ops), [true, true, true, true, true, true]);
        assert.deepEqual(sortStrings((await s.conversations.members(c.key)).map((m) => m.user_id)), sortStrings([owner, ...five]), `round ${round}`);
      }
    });

    it("markRead raises the read position, never lowers it, and is null for a non-member", async () => {
      const s = get();
      const u = newId();
      const c = await newConversation(s, { members: [{ user_id: u, role: "member" }] });
      const t1 = at("2030-01-01T00:00:01.000Z");
      assert.deepEqual(await s.conversations.markRead(c.key, u, 5, t1), { seq: 5, advanced: true });
      let m = await s.conversations.member(c.key, u);
      assert.deepEqual({ seq: m!.read_seq, at: m!.read_at }, { seq: 5, at: t1 });
      assert.deepEqual(await s.conversations.markRead(c.key, u, 3, new Date()), { seq: 5, advanced: false }, "a lower position returns the current one");
      assert.deepEqual(await s.conversations.markRead(c.key, u, 5, new Date()), { seq: 5, advanced: false }, "the same position again does not raise it");
      m = await s.conversations.member(c.key, u);
      assert.equal(m!.read_seq, 5);
      const t2 = at("2030-01-01T00:00:02.000Z");
      assert.deepEqual(await s.conversations.markRead(c.key, u, 9, t2), { seq: 9, advanced: true });
      m = await s.conversations.member(c.key, u);
      assert.deepEqual({ seq: m!.read_seq, at: m!.read_at }, { seq: 9, at: t2 });

      const stranger = newId();
      assert.equal(await s.conversations.markRead(c.key, stranger, 4, new Date()), null);
      assert.equal(await s.conversations.member(c.key, stranger), null, "markRead does not add a member");
      assert.equal(await s.conversations.markRead(keyFor("group"), u, 4, new Date()), null, "unknown conversation");
    });

    it("20 concurrent markRead end at the highest position", async () => {
      const s = get();
      const u = newId();
      const c = await newConversation(s, { members: [{ user_id: u, role: "member" }] });
      const results = await Promise.all(shuffled(range(1, 20)).map((seq) => s.conversations.markRead(c.key, u, seq, new Date())));
      for (const r of results) assert.ok(r && r.seq >= 1 && r.seq <= 20);
      assert.ok(results.some((r) => r?.advanced && r.seq === 20), "the receipt of 20 raised it");
      assert.equal((await s.conversations.member(c.key, u))!.read_seq, 20);
    });

    it("listOf: the user's conversations of a type with the user's member record, most recent activity first, limited", async () => {
      const s = get();
      const u = newId();
      const other = newId();
      const members = [
        { user_id: u, role: "member" as const },
        { user_id: other, role: "member" as const },
      ];
      const old = (iso: string) => at(`2019-01-01T00:00:0${iso}.000Z`);
      const A = await newConversation(s, { type: "dm", members, created_at: old("1") });
      const B = await newConversation(s, { type: "dm", members, created_at: old("2") });
      const C = await newConversation(s, { type: "dm", members, created_at: old("3") });
      const H = await newConversation(s, { type: "dm", members, created_at: old("4") }); // same last message time as C, created later
      const D = await newConversation(s, { type: "dm", members, created_at: at("2020-01-01T00:00:02.000Z") }); // no message
      const E = await newConversation(s, { type: "dm", members, created_at: at("2020-01-01T00:00:01.000Z") }); // no message
      const G = await newConversation(s, { type: "group", members, created_at: old("5") });
      const F = await newConversation(s, { type: "dm", members, created_at: old("6") }); // u leaves it
      const N = await newConversation(s, { type: "dm", members: [{ user_id: other, role: "member" }], created_at: old("7") }); // not u's

      const msg = (key: string, iso: string) => s.messages.append(messageInput(key, other, { created_at: at(iso) }));
      await msg(A.key, "2021-01-01T00:00:01.000Z");
      await msg(B.key, "2021-01-01T00:00:02.000Z");
      await msg(B.key, "2021-01-01T00:00:05.000Z");
      await msg(C.key, "2021-01-01T00:00:04.000Z");
      await msg(H.key, "2021-01-01T00:00:04.000Z");
      await msg(G.key, "2021-01-01T00:00:09.000Z");
      await msg(F.key, "2021-01-01T00:00:09.000Z");
      await msg(N.key, "2021-01-01T00:00:09.000Z");
      assert.equal(await s.conversations.removeMember(F.key, u), true);
      assert.equal((await s.conversations.markRead(C.key, u, 1, new Date()))?.seq, 1);

      const list = await s.conversations.listOf(u, "dm", 50);
      assert.deepEqual(
        list.map((x) => x.conversation.key),
        [B.key, H.key, C.key, A.key, D.key, E.key],
      );
      const b = list[0]!;
      assert.deepEqual(b.conversation, await s.conversations.byKey(B.key));
      assert.deepEqual(b.conversation.last_message_at, at("2021-01-01T00:00:05.000Z"));
      assert.deepEqual(b.member, await s.conversations.member(B.key, u));
      assert.equal(list.find((x) => x.conversation.key === C.key)!.member.read_seq, 1, "the member record is u's");
      for (const x of list) assert.equal(x.member.user_id, u);

      assert.deepEqual(
        (await s.conversations.listOf(u, "dm", 2)).map((x) => x.conversation.key),
        [B.key, H.key],
      );
      assert.deepEqual(
        (await s.conversations.listOf(u, "group", 50)).map((x) => x.conversation.key),
        [G.key],
      );
      assert.deepEqual(await s.conversations.listOf(u, "couple", 50), []);
    });

    it("keysOf lists every conversation the user is a member of, of any type", async () => {
      const s = get();
      const u = newId();
      const me = [{ user_id: u, role: "member" as const }];
      const keys = [(await newConversation(s, { type: "dm", members: me })).key, (await newConversation(s, { type: "group", members: me })).key, (await newConversation(s, { type: "couple", members: me })).key];
      const left = await newConversation(s, { type: "group", members: me });
      await newConversation(s, { type: "group", members: [{ user_id: newId(), role: "owner" }] });
      const added = await newConversation(s, { type: "group" });
      assert.equal(await s.conversations.addMember(added.key, { user_id: u, role: "admin", joined_at: new Date() }), true);
      assert.equal(await s.conversations.removeMember(left.key, u), true);
      assert.deepEqual(sortStrings(await s.conversations.keysOf(u)), sortStrings([...keys, added.key]));
      assert.deepEqual(await s.conversations.keysOf(newId()), []);
    });

    it("keysOfMany answers keysOf for each user in one read; a user in none is absent", async () => {
      const s = get();
      const [u, v] = [newId(), newId()];
      const both = await newConversation(s, { type: "group", members: [{ user_id: u, role: "owner" }, { user_id: v, role: "member" }] });
      const onlyU = await newConversation(s, { type: "dm", members: [{ user_id: u, role: "member" }] });
      const lonely = newId();
      const many = await s.conversations.keysOfMany([u, v, lonely, u]);
      assert.deepEqual(sortStrings(many.get(u)!), sortStrings([both.key, onlyU.key]));
      assert.deepEqual(many.get(v), [both.key]);
      assert.equal(many.has(lonely), false);
      assert.deepEqual(sortStrings(many.get(u)!), sortStrings(await s.conversations.keysOf(u)));
      assert.deepEqual(await s.conversations.keysOfMany([]), new Map());
    });
  });
}
