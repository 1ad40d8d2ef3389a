// Blocking on real SQLite, without sockets: the wall stands both ways (no DM written, no
// partner request, no typing or presence across it, an empty profile and no mood), groups go
// on as before, blocking one's partner breaks up, and unblocking restores everything.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createPresenceService } from "../../src/presence/presence.service.ts";
import { memoryPresence } from "../../src/presence/presence-store.ts";
import { clockPast } from "../storage/contract/helpers.ts";
import { startServiceWorld, type ServiceWorld } from "../support/service-world.ts";

describe("block service", () => {
  let w: ServiceWorld;
  before(async () => {
    w = await startServiceWorld();
  });
  after(() => w.close());

  it("blocks once (idempotent), lists newest first without moods, and unblocks harmlessly twice", async () => {
    const [me, x, y] = [await w.user(), await w.user(), await w.user()];
    await w.services.users.updateProfile(x.id, { mood: "sunny" });
    const first = await w.services.blocks.block(me.id, x.id);
    assert.equal(first.created, true);
    assert.deepEqual([first.block.user.id, first.block.user.mood], [x.id, null]);
    const again = await w.services.blocks.block(me.id, x.id);
    assert.deepEqual([again.created, again.block.created_at], [false, first.block.created_at], "the first block stands");
    await clockPast(new Date(first.block.created_at));
    await w.services.blocks.block(me.id, y.id);
    assert.deepEqual((await w.services.blocks.list(me.id)).blocks.map((b) => b.user.id), [y.id, x.id]);
    assert.deepEqual(await w.services.blocks.blockedIds(me.id), [y.id, x.id]);
    assert.deepEqual(await w.services.blocks.blockedIds(x.id), [], "a block has a direction in the list");
    assert.equal(await w.services.blocks.unblock(me.id, x.id), true);
    assert.equal(await w.services.blocks.unblock(me.id, x.id), false);
    assert.deepEqual(await w.services.blocks.blockedIds(me.id), [y.id]);
    await assert.rejects(w.services.blocks.block(me.id, me.id), { code: "bad_request" });
    await assert.rejects(w.services.blocks.block(me.id, "0123456789abcdef01234567"), { code: "not_found" });
  });

  it("refuses DM writes both ways with `blocked`, keeps the history readable, and lets them write again after an unblock", async () => {
    const [a, b] = [await w.user(), await w.user()];
    const dm = w.dm(a, b);
    const { message } = await w.caller(a).send(dm, "before");
    await w.services.blocks.block(a.id, b.id);
    for (const [from, label] of [[a, "the blocker"], [b, "the blocked"]] as const) {
      await assert.rejects(w.caller(from).send(dm, "after"), { code: "blocked", status: 403 }, label);
      await assert.rejects(w.caller(from).ref(dm, "write"), { code: "blocked" }, `${label}: typing`);
    }
    await assert.rejects(w.caller(a).edit(dm, message.id, "changed"), { code: "blocked" });
    await assert.rejects(w.caller(b).react(dm, message.id, "👍"), { code: "blocked" });
    const ref = await w.caller(b).ref(dm);
    assert.deepEqual((await w.services.messages.history(ref, { limit: 10 })).map((m) => m.text), ["before"], "reading stays possible");
    assert.equal((await w.caller(a).remove(dm, message.id)).deleted, true, "retracting one's own message too");

    // A DM that never started cannot be started either.
    const c = await w.user();
    await w.services.blocks.block(c.id, a.id);
    await assert.rejects(w.caller(a).send(w.dm(a, c), "hi"), { code: "blocked" });
    assert.equal(await w.storage.conversations.byKey(w.dm(a, c).id), null, "and nothing was created");

    await w.services.blocks.unblock(a.id, b.id);
    assert.equal((await w.caller(b).send(dm, "hello again")).message.text, "hello again");
  });

  it("refuses partner requests both ways and cancels a pending one between the two", async () => {
    const [a, b, c] = [await w.user(), await w.user(), await w.user()];
    const pending = await w.services.couples.request(b.id, a.id);
    await w.services.blocks.block(a.id, b.id);
    assert.equal((await w.storage.partnerRequests.byId(pending.id))?.status, "cancelled");
    assert.deepEqual((await w.services.couples.listRequests(a.id)).incoming, []);
    await assert.rejects(w.services.couples.request(b.id, a.id), { code: "blocked" });
    await assert.rejects(w.services.couples.request(a.id, b.id), { code: "blocked" });
    await w.services.couples.request(a.id, c.id);
    await w.services.blocks.unblock(a.id, b.id);
    await w.services.couples.request(b.id, c.id);
  });

  it("blocking one's partner breaks up: both told, the chat closed", async () => {
    const { a, b, chat } = await w.couple();
    w.fanout.clear();
    await w.services.blocks.block(b.id, a.id);
    assert.equal(await w.services.couples.partnerOf(a.id), null);
    const told = w.fanout.emitted("partner_unlinked");
    assert.deepEqual(told.map((e) => e.payload.ended_by), [b.id, b.id]);
    await assert.rejects(w.caller(a).send(chat, "wait"), { code: "chat_closed" });
  });

  it("typing in a group leaves out the users across a block; presence and profiles do not cross it", async () => {
    const [owner, blocked, other] = [await w.user(), await w.user(), await w.user()];
    const group = await w.group(owner, [blocked, other]);
    await w.services.blocks.block(owner.id, blocked.id);
    w.fanout.clear();
    await w.caller(blocked).perform({ access: "write", actor: true }, group, ({ ref, actor }) => w.services.typing.start(ref, actor.card));
    await w.caller(other).perform({ access: "write", actor: true }, group, ({ ref, actor }) => w.services.typing.start(ref, actor.card));
    const [fromBlocked, fromOther] = w.fanout.emitted("typing_indicator");
    assert.deepEqual(fromBlocked?.exceptRooms.sort(), [`user:${blocked.id}`, `user:${owner.id}`].sort(), "the blocker does not see the blocked typing");
    assert.deepEqual(fromOther?.exceptRooms, [`user:${other.id}`], "others are untouched");
    await w.caller(owner).perform({ access: "write", actor: true }, group, ({ ref, actor }) => w.services.typing.start(ref, actor.card));
    assert.ok(w.fanout.emitted("typing_indicator")[2]?.exceptRooms.includes(`user:${blocked.id}`), "both ways");

    // Messages in the group go on, to everyone.
    const { message } = await w.caller(blocked).send(group, "still here");
    assert.equal(message.text, "still here");

    await w.services.profiles.update(owner.id, { bio: "private things" });
    assert.equal((await w.services.profiles.get(owner.id, blocked.id)).bio, "", "an empty profile across the block");
    assert.equal((await w.services.profiles.get(owner.id, other.id)).bio, "private things");
    assert.equal((await w.services.profiles.get(owner.id)).bio, "private things", "the owner's own");
    assert.equal(await w.services.blocks.between(blocked.id, owner.id), true);
    assert.deepEqual(await w.services.blocks.related(owner.id), [blocked.id]);
  });

  it("presence is not told across a block, even to a partner the cache still holds", async () => {
    const told: string[] = [];
    const notifier = { toUsers: async (_ns: string, ids: string[]) => void told.push(...ids) } as never;
    const facts = { get: (id: string) => ({ username: id, partnerId: id === "a" ? "b" : "a", mood: null }), forget() {} };
    const presence = (walled: boolean) => createPresenceService({ store: memoryPresence(), users: facts, notifier, blocks: { between: async () => walled } });
    await presence(false).connected("a", "s1");
    assert.deepEqual(told, ["b"], "without a block the partner hears it");
    told.length = 0;
    const walled = presence(true);
    await walled.connected("a", "s1");
    await walled.disconnected("a", "s1");
    assert.deepEqual(told, []);
    assert.equal(await walled.partnerStatusOf("a"), null);
  });
});
