// Unread counts, mentions and mutes on real SQLite, without sockets: who gets `unread_update`
// (recorded by the world's fanout), what it says, and what the lists and GET /api/unread's
// summary answer.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { ServerEventPayload } from "../../src/contract/events.ts";
import { MUTED_FOREVER, UNREAD_FANOUT_MAX_MEMBERS } from "../../src/messaging/unread.ts";
import type { EmitCall } from "../support/recording-fanout.ts";
import { startServiceWorld, type Chat, type ServiceWorld, type WorldUser } from "../support/service-world.ts";

type Update = EmitCall<ServerEventPayload<"unread_update">>;

describe("read state service: unread, mentions, mutes", () => {
  let w: ServiceWorld;
  before(async () => {
    w = await startServiceWorld();
  });
  after(() => w.close());

  /** The unread_update emits, as [room, conversation, count, mentioned, total]. */
  const updates = () => w.fanout.emitted("unread_update").map((e: Update) => [e.rooms.join(","), e.payload.conversation_id, e.payload.unread_count, e.payload.mentioned, e.payload.total_unread]);

  it("a couple message updates the partner's devices (not the sender's), ephemeral, with the count and the total", async () => {
    const { a, b, chat } = await w.couple();
    w.fanout.clear();
    await w.caller(a).send(chat, "one");
    const { message } = await w.caller(a).send(chat, "two");
    assert.deepEqual(updates(), [
      [`user:${b.id}`, chat.id, 1, false, 1],
      [`user:${b.id}`, chat.id, 2, false, 2],
    ]);
    const [first] = w.fanout.emitted("unread_update");
    assert.equal(first?.ns, "couples");
    assert.equal("meta" in first!.payload, false, "not in the event log");
    assert.deepEqual([first?.payload.conversation_type, first?.payload.muted_until], ["couple", null]);
    assert.equal(message.mentions.length, 0, "a couple chat mentions nobody");

    w.fanout.clear();
    await w.caller(b).markRead(chat, 1);
    assert.deepEqual(updates(), [[`user:${b.id}`, chat.id, 1, false, 1]], "a read updates the reader's own devices");
    w.fanout.clear();
    await w.caller(b).markRead(chat, 1);
    assert.deepEqual(updates(), [], "a repeated read changes nothing and says nothing");
  });

  it("resolves @mentions in a group to members (not outsiders, not the sender), in text order, once each; DMs never mention", async () => {
    const [owner, ann, bob, outsider] = [await w.user(), await w.user(), await w.user(), await w.user()];
    const group = await w.group(owner, [ann, bob]);
    const text = `@${bob.username} hi @${outsider.username} @${owner.username} and @${ann.username}, @${bob.username}! mail x@${ann.username}.com @${ann.username}_x`;
    w.fanout.clear();
    const { message } = await w.caller(owner).send(group, text);
    assert.deepEqual(message.mentions, [bob.id, ann.id]);
    assert.deepEqual(w.fanout.emitted("new_message")[0]?.payload.message.mentions, [bob.id, ann.id], "the event carries them");
    const mentionedFlags = Object.fromEntries(w.fanout.emitted("unread_update").map((e) => [e.rooms[0], e.payload.mentioned]));
    assert.deepEqual(mentionedFlags, { [`user:${ann.id}`]: true, [`user:${bob.id}`]: true }, "both other members are updated, both mentioned");

    const dm = w.dm(owner, ann);
    assert.deepEqual((await w.caller(owner).send(dm, `@${ann.username}`)).message.mentions, []);
  });

  it("an edit re-resolves the mentions and updates those added or dropped who have not read it", async () => {
    const [owner, ann, bob] = [await w.user(), await w.user(), await w.user()];
    const group = await w.group(owner, [ann, bob]);
    const { message } = await w.caller(owner).send(group, `hey @${ann.username}`);
    w.fanout.clear();
    const edited = await w.caller(owner).edit(group, message.id, `hey @${bob.username}`);
    assert.deepEqual(edited.mentions, [bob.id]);
    assert.deepEqual(updates().sort(), [
      [`user:${ann.id}`, group.id, 1, false, 1],
      [`user:${bob.id}`, group.id, 1, true, 1],
    ].sort());
    const ref = await w.caller(bob).ref(group);
    assert.deepEqual((await w.services.messages.byId(ref, message.id)).mentions, [bob.id]);
  });

  it("deleting a message updates those who had it unread, and only them", async () => {
    const [owner, ann, bob] = [await w.user(), await w.user(), await w.user()];
    const group = await w.group(owner, [ann, bob]);
    const { message } = await w.caller(owner).send(group, `@${ann.username} soon gone`);
    await w.caller(bob).markRead(group, 1);
    w.fanout.clear();
    await w.caller(owner).remove(group, message.id);
    assert.deepEqual(updates(), [[`user:${ann.id}`, group.id, 0, false, 0]]);
  });

  it("mute until a time or for good, and unmute: the member's devices learn it; muted conversations still count", async () => {
    const { a, b, chat } = await w.couple();
    await w.caller(a).send(chat, "hi");
    const until = new Date(Date.now() + 3600_000);
    w.fanout.clear();
    assert.deepEqual(await w.caller(b).mute(chat, until), { conversation_id: chat.id, muted_until: until.toISOString() });
    assert.deepEqual(w.fanout.emitted("unread_update").map((e) => [e.rooms[0], e.payload.unread_count, e.payload.muted_until]), [[`user:${b.id}`, 1, until.toISOString()]]);
    assert.equal((await w.services.couples.myChat(b.id))?.muted_until, until.toISOString());
    assert.deepEqual(await w.services.readStates.summary(b.id), {
      total: 1,
      conversations: [{ conversation_id: chat.id, type: "couple", unread_count: 1, mentioned: false, muted_until: until.toISOString() }],
    });
    assert.equal((await w.caller(b).mute(chat, MUTED_FOREVER)).muted_until, "9999-12-31T23:59:59.999Z");
    w.fanout.clear();
    assert.deepEqual(await w.caller(b).mute(chat, null), { conversation_id: chat.id, muted_until: null });
    assert.equal(w.fanout.emitted("unread_update")[0]?.payload.muted_until, null);
    await w.caller(b).markRead(chat, 1);
    assert.deepEqual(await w.services.readStates.summary(b.id), { total: 0, conversations: [] }, "neither unread nor muted: not listed");
  });

  it("totals cover every conversation; the lists carry each one's state and the total", async () => {
    const { a, b, chat } = await w.couple();
    const c = await w.user();
    const group = await w.group(a, [b, c]);
    const dm: Chat = w.dm(a, b);
    await w.caller(a).send(chat, "1");
    await w.caller(a).send(group, `@${b.username}`);
    await w.caller(c).send(group, "2");
    await w.caller(a).send(dm, "3");
    await w.caller(b).send(dm, "mine");
    assert.equal(await w.services.readStates.unreadTotal(b.id), 4);
    assert.equal(await w.services.readStates.unreadTotal(a.id), 2, "b's DM message and c's group message");

    const chats = await w.services.couples.listChats(b.id);
    assert.deepEqual([chats.unread_total, chats.chats[0]?.unread_count, chats.chats[0]?.mentioned], [4, 1, false]);
    const threads = await w.services.dms.threads(b.id);
    assert.deepEqual([threads.unread_total, threads.threads.map((t) => [t.dm_id, t.unread_count, t.mentioned, t.muted_until])], [4, [[dm.id, 1, false, null]]]);
    const groups = await w.services.groups.list(b.id, true);
    assert.deepEqual([groups.unread_total, groups.groups.map((g) => [g.id, g.unread_count, g.mentioned])], [4, [[group.id, 2, true]]]);
    const summary = await w.services.readStates.summary(b.id);
    assert.equal(summary.total, 4);
    assert.deepEqual(summary.conversations.map((s) => [s.type, s.unread_count, s.mentioned]).sort(), [
      ["couple", 1, false],
      ["dm", 1, false],
      ["group", 2, true],
    ]);
  });

  it(`in a group above ${UNREAD_FANOUT_MAX_MEMBERS} members, a message updates only the members it mentions`, async () => {
    const owner = await w.user();
    const members: WorldUser[] = [];
    for (let i = 0; i < UNREAD_FANOUT_MAX_MEMBERS; i++) members.push(await w.user());
    const big = await w.group(owner, members);
    w.fanout.clear();
    await w.caller(owner).send(big, "to everyone");
    assert.deepEqual(updates(), [], "nobody: clients count new_message themselves");
    await w.caller(owner).send(big, `@${members[7]!.username} look`);
    assert.deepEqual(updates(), [[`user:${members[7]!.id}`, big.id, 2, true, 2]]);
    assert.equal((await w.services.readStates.summary(members[3]!.id)).total, 2, "the counts are right all the same");
    w.fanout.clear();
    await w.caller(members[3]!).markRead(big, 2);
    assert.deepEqual(updates(), [[`user:${members[3]!.id}`, big.id, 0, false, 0]], "a read still updates the reader");
  });
});
