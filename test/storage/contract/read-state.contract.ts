// Read state (MessageRepository.unreadOfUsers, memberIds, membersNamed; mentions on append,
// edit and tombstone; ConversationRepository.setMute): the same answers on both storages.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { UnreadRow } from "../../../src/messaging/message.repository.ts";
import { newId } from "../../../src/shared/ids.ts";
import type { Storage } from "../../../src/storage/storage.ts";
import { at, createUsers, keyFor, messageInput, newConversation, sortStrings, type GetStorage } from "./helpers.ts";

/** The rows of one user, by conversation key, without the user id. */
async function stateOf(s: Storage, userId: string): Promise<Map<string, Omit<UnreadRow, "user_id" | "conversation_key">>> {
  const rows = await s.messages.unreadOfUsers([userId]);
  assert.ok(rows.every((r) => r.user_id === userId));
  return new Map(rows.map(({ user_id: _, conversation_key, ...rest }) => [conversation_key, rest]));
}

export function readStateContract(get: GetStorage): void {
  describe("read state", () => {
    it("setMute sets and clears a member's mute; false for a non-member", async () => {
      const s = get();
      const [a, b] = [newId(), newId()];
      const c = await newConversation(s, { members: [{ user_id: a, role: "owner" }] });
      assert.equal((await s.conversations.member(c.key, a))!.muted_until, null);
      const until = at("2031-05-01T10:00:00.123Z");
      assert.equal(await s.conversations.setMute(c.key, a, until), true);
      assert.deepEqual((await s.conversations.member(c.key, a))!.muted_until, until);
      assert.deepEqual((await s.conversations.members(c.key))[0]!.muted_until, until, "members() carries it");
      assert.deepEqual((await s.conversations.listOf(a, "group", 10))[0]!.member.muted_until, until, "listOf() too");
      assert.equal(await s.conversations.setMute(c.key, a, null), true);
      assert.equal((await s.conversations.member(c.key, a))!.muted_until, null);
      assert.equal(await s.conversations.setMute(c.key, b, until), false, "not a member");
      assert.equal(await s.conversations.setMute(keyFor("group"), a, until), false, "no such conversation");
    });

    it("append stores mentions; edit replaces them; tombstone empties them", async () => {
      const s = get();
      const [a, b, c] = [newId(), newId(), newId()];
      const conv = await newConversation(s, { members: [a, b, c].map((user_id) => ({ user_id, role: "member" as const })) });
      const { message } = await s.messages.append(messageInput(conv.key, a, { mentions: [c, b] }));
      assert.deepEqual(message.mentions, [c, b], "in the given order");
      assert.deepEqual((await s.messages.byId(conv.key, message.id))!.mentions, [c, b]);
      assert.deepEqual((await s.messages.append(messageInput(conv.key, a))).message.mentions, [], "none when absent");
      const edited = await s.messages.edit(conv.key, message.id, "again", new Date(), [b]);
      assert.deepEqual(edited!.mentions, [b]);
      assert.deepEqual((await stateOf(s, c)).get(conv.key)!.mentioned, false, "c is no longer mentioned");
      assert.deepEqual((await stateOf(s, b)).get(conv.key)!.mentioned, true);
      const gone = await s.messages.tombstone(conv.key, message.id, new Date());
      assert.deepEqual(gone!.mentions, []);
      assert.deepEqual((await s.messages.latest(conv.key, 10)).map((m) => m.mentions), [[], []]);
      assert.equal((await stateOf(s, b)).get(conv.key)!.mentioned, false, "a deleted message mentions nobody");
    });

    it("unreadOfUsers: others' live messages above the position, the mention flag above it, the mute, per membership", async () => {
      const s = get();
      const [u, v, w] = [newId(), newId(), newId()];
      const members = [u, v, w].map((user_id) => ({ user_id, role: "member" as const }));
      const g = await newConversation(s, { members });
      const d = await newConversation(s, { type: "dm", members: [members[0]!, members[1]!] });
      const empty = await newConversation(s, { members: [members[0]!] });
      // g: 1 v, 2 u, 3 w (mentions u), 4 v (deleted), 5 v (mentions u, w), 6 u
      const send = (key: string, from: string, mentions: string[] = []) => s.messages.append(messageInput(key, from, { mentions }));
      await send(g.key, v);
      await send(g.key, u);
      await send(g.key, w, [u]);
      const deleted = (await send(g.key, v)).message;
      await send(g.key, v, [u, w]);
      await send(g.key, u);
      await s.messages.tombstone(g.key, deleted.id, new Date());
      // d: 1 v, 2 v, 3 u
      await send(d.key, v);
      await send(d.key, v);
      await send(d.key, u);
      const until = at("2032-01-01T00:00:00.000Z");
      await s.conversations.setMute(d.key, u, until);

      assert.deepEqual(
        await stateOf(s, u),
        new Map([
          [g.key, { read_seq: 0, unread: 3, mentioned: true, muted_until: null }],
          [d.key, { read_seq: 0, unread: 2, mentioned: false, muted_until: until }],
          [empty.key, { read_seq: 0, unread: 0, mentioned: false, muted_until: null }],
        ]),
      );
      await s.conversations.markRead(g.key, u, 3, new Date());
      assert.deepEqual((await stateOf(s, u)).get(g.key), { read_seq: 3, unread: 1, mentioned: true, muted_until: null }, "5 is still unread and mentions u");
      await s.conversations.markRead(g.key, u, 5, new Date());
      assert.deepEqual((await stateOf(s, u)).get(g.key), { read_seq: 5, unread: 0, mentioned: false, muted_until: null }, "read past the mention: the flag clears");
      await s.conversations.markRead(g.key, w, 6, new Date());
      assert.deepEqual((await stateOf(s, w)).get(g.key), { read_seq: 6, unread: 0, mentioned: false, muted_until: null });
      assert.deepEqual((await stateOf(s, v)).get(g.key), { read_seq: 0, unread: 3, mentioned: false, muted_until: null }, "v: 2, 3 and 6 (v's own 1, 4, 5 never count)");

      const both = await s.messages.unreadOfUsers([u, v, newId()]);
      assert.deepEqual(sortStrings(both.map((r) => `${r.user_id === u ? "u" : "v"} ${r.conversation_key}`)), sortStrings([`u ${g.key}`, `u ${d.key}`, `u ${empty.key}`, `v ${g.key}`, `v ${d.key}`]));
      assert.deepEqual(await s.messages.unreadOfUsers([]), []);
      assert.deepEqual(await s.messages.unreadOfUsers([newId()]), [], "no memberships, no rows");
      assert.equal((await s.messages.unreadCounts(u, [{ key: empty.key, afterSeq: 0 }, { key: keyFor("dm"), afterSeq: 0 }])).get(empty.key), 0);
    });

    it("memberIds: up to `limit` of the conversation's members", async () => {
      const s = get();
      const ids = [newId(), newId(), newId()];
      const c = await newConversation(s, { members: ids.map((user_id) => ({ user_id, role: "member" as const })) });
      assert.deepEqual(sortStrings(await s.messages.memberIds(c.key, 10)), sortStrings(ids));
      const two = await s.messages.memberIds(c.key, 2);
      assert.equal(two.length, 2);
      assert.ok(two.every((id) => ids.includes(id)));
      assert.deepEqual(await s.messages.memberIds(keyFor("group"), 10), []);
    });

    it("membersNamed: the members among these usernames, nobody else", async () => {
      const s = get();
      const [a, b, outsider] = await createUsers(s, 3);
      const c = await newConversation(s, { members: [a!, b!].map((u) => ({ user_id: u.id, role: "member" as const })) });
      const found = await s.messages.membersNamed(c.key, [b!.username, outsider!.username, "nobody_here", a!.username]);
      assert.deepEqual(
        found.sort((x, y) => (x.username < y.username ? -1 : 1)),
        [a!, b!].map((u) => ({ user_id: u.id, username: u.username })).sort((x, y) => (x.username < y.username ? -1 : 1)),
      );
      assert.deepEqual(await s.messages.membersNamed(c.key, []), []);
      assert.deepEqual(await s.messages.membersNamed(keyFor("group"), [a!.username]), []);
    });
  });
}
