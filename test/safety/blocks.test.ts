// Blocking, on one server over REST and Socket.IO: the /api/blocks routes; a DM across a
// block refused both ways on both transports (history still readable); partner requests
// refused both ways; typing, presence, mood and the profile not passed across; messages in
// a shared group still stored and delivered, with blocked_user_ids for the client to hide
// them; blocking one's partner breaks up; and an unblock restores everything.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { nextEvent, requestError, requestOk } from "../support/clients.ts";
import { closeAll, closeAndSettle, cmid, connectReady, flush, messagePaths, post, record, send, stopWhenDrained } from "../support/conversations.ts";
import { buildCouple, buildGroup, buildUser, dmIdOf, type TestUser } from "../support/factories.ts";
import { startStack, type Stack } from "../support/stack.ts";

let stack: Stack;
before(async () => {
  stack = await startStack();
});
after(() => stopWhenDrained(stack));

const block = (by: TestUser, user: TestUser) => stack.api.post("/api/blocks", { user_id: user.id }, by.token);
const unblock = (by: TestUser, user: TestUser) => stack.api.del(`/api/blocks/${user.id}`, by.token);
const code = (res: { body: any }) => res.body?.error?.code;

describe("/api/blocks", () => {
  it("blocks (201, then 200 on a repeat), lists newest first, shows up in /users/me, and unblocks (204, twice harmless)", async () => {
    const [me, x, y] = [await buildUser(stack.api), await buildUser(stack.api), await buildUser(stack.api)];
    const first = await block(me, x);
    assert.equal(first.status, 201, JSON.stringify(first.body));
    assert.deepEqual([first.body.user.id, first.body.user.mood], [x.id, null]);
    const repeat = await block(me, x);
    assert.deepEqual([repeat.status, repeat.body.created_at], [200, first.body.created_at]);
    await new Promise((r) => setTimeout(r, 5)); // a later created_at for "newest first"
    assert.equal((await block(me, y)).status, 201);
    const list = await stack.api.get("/api/blocks", me.token);
    assert.deepEqual(list.body.blocks.map((b: { user: { id: string } }) => b.user.id), [y.id, x.id]);
    assert.deepEqual((await stack.api.get("/api/users/me", me.token)).body.blocked_user_ids, [y.id, x.id]);
    assert.deepEqual((await stack.api.get("/api/users/me", x.token)).body.blocked_user_ids, [], "only the ones the caller blocked");

    assert.equal((await unblock(me, x)).status, 204);
    assert.equal((await unblock(me, x)).status, 204);
    assert.deepEqual((await stack.api.get("/api/users/me", me.token)).body.blocked_user_ids, [y.id]);
  });

  it("refuses the caller's own id, an unknown user and a malformed id", async () => {
    const me = await buildUser(stack.api);
    const self = await block(me, me);
    assert.deepEqual([self.status, code(self)], [400, "bad_request"]);
    const unknown = await stack.api.post("/api/blocks", { user_id: "0123456789abcdef01234567" }, me.token);
    assert.deepEqual([unknown.status, code(unknown)], [404, "not_found"]);
    const malformed = await stack.api.post("/api/blocks", { user_id: "nope" }, me.token);
    assert.deepEqual([malformed.status, code(malformed)], [400, "validation_error"]);
    assert.equal((await stack.api.del("/api/blocks/nope", me.token)).status, 400);
  });
});

describe("a DM across a block", () => {
  it("is refused both ways on REST and sockets (send, edit, react, typing) while its history stays readable; an unblock restores it", async () => {
    const [a, b] = [await buildUser(stack.api), await buildUser(stack.api)];
    const dm = dmIdOf(a, b);
    const paths = messagePaths("dm", dm);
    const first = await post(stack.api, { paths }, b, "hi before");
    const [sa, sb] = await Promise.all([connectReady(stack.url, "dm", a.token), connectReady(stack.url, "dm", b.token)]);
    try {
      assert.equal((await block(a, b)).status, 201);
      for (const [from, socket] of [[a, sa], [b, sb]] as const) {
        const res = await stack.api.post(paths.post, { text: "after" }, from.token);
        assert.deepEqual([res.status, code(res)], [403, "blocked"], JSON.stringify(res.body));
        const ack = await requestError(socket, "send_message", { chat_id: dm, client_message_id: cmid(), text: "after" });
        assert.equal(ack.code, "blocked");
        assert.equal((await requestError(socket, "start_typing", { chat_id: dm })).code, "blocked");
      }
      assert.equal(code(await stack.api.put(paths.item(first.id), { text: "edited" }, b.token)), "blocked");
      assert.equal((await requestError(sa, "toggle_reaction", { chat_id: dm, message_id: first.id, emoji: "👍" })).code, "blocked");

      const history = await stack.api.get(paths.history(), a.token);
      assert.deepEqual(history.body.messages.map((m: { text: string }) => m.text), ["hi before"], "reading stays possible");
      const thread = (await stack.api.get("/api/dm/threads", a.token)).body.threads.find((t: { dm_id: string }) => t.dm_id === dm);
      assert.equal(thread.with.id, b.id, "the thread stays listed");

      assert.equal((await unblock(a, b)).status, 204);
      const live = nextEvent(sa, "new_message", (p) => p.message.text === "hello again");
      await send(sb, dm, "hello again");
      await live;
    } finally {
      closeAll(sa, sb);
    }
  });

  it("cannot be started across a block either", async () => {
    const [a, b] = [await buildUser(stack.api), await buildUser(stack.api)];
    assert.equal((await block(b, a)).status, 201);
    const res = await stack.api.post(messagePaths("dm", dmIdOf(a, b)).post, { text: "hello?" }, a.token);
    assert.deepEqual([res.status, code(res)], [403, "blocked"]);
    assert.deepEqual((await stack.api.get("/api/dm/threads", b.token)).body.threads, [], "no thread was created");
  });
});

describe("partner requests across a block", () => {
  it("are refused both ways with 403 blocked, and possible again after an unblock", async () => {
    const [a, b] = [await buildUser(stack.api), await buildUser(stack.api)];
    assert.equal((await block(a, b)).status, 201);
    for (const [from, to] of [[a, b], [b, a]] as const) {
      const res = await stack.api.post("/api/partners/request", { recipient_id: to.id }, from.token);
      assert.deepEqual([res.status, code(res)], [403, "blocked"]);
    }
    assert.equal((await unblock(a, b)).status, 204);
    assert.equal((await stack.api.post("/api/partners/request", { recipient_id: a.id }, b.token)).status, 201);
  });

  it("blocking one's partner breaks up: both told live, the chat closed", async () => {
    const { a, b, chatId } = await buildCouple(stack.api);
    const [sa, sb] = await Promise.all([connectReady(stack.url, "couples", a.token), connectReady(stack.url, "couples", b.token)]);
    try {
      const told = [nextEvent(sa, "partner_unlinked"), nextEvent(sb, "partner_unlinked")];
      assert.equal((await block(a, b)).status, 201);
      for (const ev of await Promise.all(told)) assert.deepEqual([ev.chat_id, ev.ended_by], [chatId, a.id]);
      assert.equal((await requestError(sb, "send_message", { chat_id: chatId, client_message_id: cmid(), text: "?" })).code, "chat_closed");

      // And presence does not pass any more: b reconnecting is not announced to a.
      const heard = record(sa, "user_presence_update");
      await closeAndSettle(stack.server.app, sb);
      const again = await connectReady(stack.url, "couples", b.token);
      await flush(stack.server.app, sa);
      assert.deepEqual(heard.seen, []);
      closeAll(again);
    } finally {
      closeAll(sa, sb);
    }
  });
});

describe("what does not cross a block", () => {
  it("typing in a shared group: the blocked user's does not reach the blocker and the other way round; others see both", async () => {
    const [owner, blocked, other] = [await buildUser(stack.api), await buildUser(stack.api), await buildUser(stack.api)];
    const group = await buildGroup(stack.api, owner, [blocked, other]);
    const [so, sbk, sot] = await Promise.all([owner, blocked, other].map((u) => connectReady(stack.url, "groups", u.token)));
    try {
      assert.equal((await block(owner, blocked)).status, 201);
      const atOwner = record(so!, "typing_indicator");
      const atBlocked = record(sbk!, "typing_indicator");
      const seenByOther = nextEvent(sot!, "typing_indicator", (p) => p.user_id === blocked.id);
      const ownerSeenByOther = nextEvent(sot!, "typing_indicator", (p) => p.user_id === owner.id);
      await requestOk(sbk!, "start_typing", { chat_id: group });
      await requestOk(so!, "start_typing", { chat_id: group });
      await seenByOther;
      await ownerSeenByOther;
      await flush(stack.server.app, so!, sbk!);
      assert.deepEqual(atOwner.seen, [], "the blocker does not see the blocked typing");
      assert.deepEqual(atBlocked.seen, [], "nor the blocked the blocker");

      // Messages go on: stored and delivered to everyone, the blocker included (the client hides them).
      const delivered = nextEvent(so!, "new_message", (p) => p.message.text === "still in the group");
      await send(sbk!, group, "still in the group");
      assert.equal((await delivered).message.sender.id, blocked.id);
      assert.deepEqual((await stack.api.get("/api/users/me", owner.token)).body.blocked_user_ids, [blocked.id]);

      // Unblocked: typing passes again.
      assert.equal((await unblock(owner, blocked)).status, 204);
      const passes = nextEvent(so!, "typing_indicator", (p) => p.user_id === blocked.id && p.is_typing);
      await requestOk(sbk!, "start_typing", { chat_id: group });
      await passes;
    } finally {
      closeAll(so!, sbk!, sot!);
    }
  });

  it("the profile (empty) and the mood (null) on lookup and in DM threads, both ways; an unblock shows them again", async () => {
    const [a, b] = [await buildUser(stack.api), await buildUser(stack.api)];
    assert.equal((await stack.api.put("/api/users/me/profile", { mood: "radiant" }, a.token)).status, 200);
    assert.equal((await stack.api.put("/api/profiles/me", { bio: "about me", city: "Lyon" }, a.token)).status, 200);
    await post(stack.api, { paths: messagePaths("dm", dmIdOf(a, b)) }, a, "hello");
    assert.equal((await block(a, b)).status, 201);

    const profile = await stack.api.get(`/api/profiles/${a.id}`, b.token);
    assert.deepEqual([profile.status, profile.body.bio, profile.body.city, profile.body.updated_at], [200, "", null, null], "nothing beyond the public card");
    const card = await stack.api.get(`/api/users/lookup?username=${a.username}`, b.token);
    assert.deepEqual([card.status, card.body.id, card.body.mood], [200, a.id, null]);
    const thread = (await stack.api.get("/api/dm/threads", b.token)).body.threads[0];
    assert.deepEqual([thread.with.id, thread.with.mood], [a.id, null]);
    const third = await buildUser(stack.api);
    assert.equal((await stack.api.get(`/api/profiles/${a.id}`, third.token)).body.bio, "about me", "others still see it");
    assert.equal((await stack.api.get(`/api/users/lookup?username=${a.username}`, third.token)).body.mood, "radiant");

    // The other way too: the blocker sees the blocked user's card without the mood.
    assert.equal((await stack.api.put("/api/users/me/profile", { mood: "gloomy" }, b.token)).status, 200);
    assert.equal((await stack.api.get(`/api/users/lookup?username=${b.username}`, a.token)).body.mood, null);

    assert.equal((await unblock(a, b)).status, 204);
    assert.equal((await stack.api.get(`/api/profiles/${a.id}`, b.token)).body.bio, "about me");
    assert.equal((await stack.api.get(`/api/users/lookup?username=${a.username}`, b.token)).body.mood, "radiant");
  });
});
