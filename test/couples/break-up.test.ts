// Breaking up, on one server over REST and Socket.IO: either partner ends it, both are told
// live (and can sync it later), the chat becomes read-only history on both transports
// (chat_closed), reading goes on, presence stops, and each may link again: with someone
// else in a new chat, or with each other in the same chat, open again.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { connectClient, connected, nextEvent, requestError, requestOk } from "../support/clients.ts";
import { closeAll, closeAndSettle, cmid, connectReady, flush, messagePaths, post, record, send, stopWhenDrained } from "../support/conversations.ts";
import { buildCouple, buildUser, type TestUser } from "../support/factories.ts";
import { startStack, type Stack } from "../support/stack.ts";

let stack: Stack;
before(async () => {
  stack = await startStack();
});
after(() => stopWhenDrained(stack));

const breakUp = (user: TestUser) => stack.api.post("/api/partners/break-up", {}, user.token);
const code = (res: { body: any }) => res.body?.error?.code;

describe("POST /api/partners/break-up", () => {
  it("ends the partnership for both, who are told live and can sync it later", async () => {
    const { a, b, chatId } = await buildCouple(stack.api);
    const [sa, sb] = await Promise.all([connectReady(stack.url, "couples", a.token), connectReady(stack.url, "couples", b.token)]);
    try {
      const atA = nextEvent(sa, "partner_unlinked");
      const atB = nextEvent(sb, "partner_unlinked");
      const res = await breakUp(b);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.deepEqual(res.body, { partner_id: a.id, chat_id: chatId });
      const [ea, eb] = [await atA, await atB];
      assert.deepEqual([ea.partner_id, ea.chat_id, ea.ended_by], [b.id, chatId, b.id]);
      assert.deepEqual([eb.partner_id, eb.chat_id, eb.ended_by], [a.id, chatId, b.id]);
      assert.equal(typeof ea.meta?.event_seq, "number", "durable");

      for (const u of [a, b]) {
        assert.equal((await stack.api.get("/api/users/me", u.token)).body.partner_id, null);
        const synced = (await stack.api.get("/api/events/sync?since=0&limit=1000", u.token)).body.events as { type: string; data: { chat_id: string } }[];
        assert.ok(synced.some((e) => e.type === "partner_unlinked" && e.data.chat_id === chatId), "a device that was away syncs it");
      }
      const again = await breakUp(a);
      assert.deepEqual([again.status, code(again)], [409, "conflict"], "nothing left to end");
    } finally {
      closeAll(sa, sb);
    }
  });

  it("leaves the chat read-only on REST: posting, editing, reacting refused with chat_closed; reading, receipts and retracting work", async () => {
    const { a, b, chatId } = await buildCouple(stack.api);
    const paths = messagePaths("couple", chatId);
    const mine = await post(stack.api, { paths }, a, "before");
    const theirs = await post(stack.api, { paths }, b, "also before");
    assert.equal((await breakUp(a)).status, 200);

    for (const u of [a, b]) {
      const res = await stack.api.post(paths.post, { text: "after" }, u.token);
      assert.deepEqual([res.status, code(res)], [409, "chat_closed"], JSON.stringify(res.body));
    }
    const edit = await stack.api.put(paths.item(mine.id), { text: "changed" }, a.token);
    assert.deepEqual([edit.status, code(edit)], [409, "chat_closed"]);
    const react = await stack.api.post(paths.reactions(theirs.id), { emoji: "❤️" }, a.token);
    assert.deepEqual([react.status, code(react)], [409, "chat_closed"]);

    const history = await stack.api.get(paths.history(), b.token);
    assert.deepEqual(history.body.messages.map((m: { text: string }) => m.text), ["before", "also before"]);
    assert.equal((await stack.api.get(paths.latest(5), a.token)).body.messages.length, 2);
    assert.equal((await stack.api.get(paths.byId(theirs.id), a.token)).status, 200);
    assert.equal((await stack.api.post(paths.read, { seq: 2 }, a.token)).status, 200);
    const removed = await stack.api.del(paths.item(mine.id), a.token);
    assert.deepEqual([removed.status, removed.body.deleted], [200, true], "taking back one's own words stays possible");

    const chat = await stack.api.get(`/api/chats/${chatId}`, b.token);
    assert.deepEqual([chat.status, chat.body.closed], [200, true]);
    const list = await stack.api.get("/api/chats", b.token);
    assert.deepEqual(list.body.chats.map((c: { id: string; closed: boolean }) => [c.id, c.closed]), [[chatId, true]]);
    const outsider = await buildUser(stack.api);
    assert.equal((await stack.api.get(paths.history(), outsider.token)).status, 404, "outsiders still see nothing");
  });

  it("refuses writes on the socket with chat_closed: send, edit, react, mode, typing; mark_read and delete go on", async () => {
    const { a, b, chatId } = await buildCouple(stack.api);
    const sa = await connectReady(stack.url, "couples", a.token);
    try {
      const m = await send(sa, chatId, "before");
      const unlinked = nextEvent(sa, "partner_unlinked");
      assert.equal((await breakUp(b)).status, 200);
      await unlinked;
      const refused = [
        await requestError(sa, "send_message", { chat_id: chatId, client_message_id: cmid(), text: "after" }),
        await requestError(sa, "edit_message", { chat_id: chatId, message_id: m.message.id, text: "changed" }),
        await requestError(sa, "toggle_reaction", { chat_id: chatId, message_id: m.message.id, emoji: "👍" }),
        await requestError(sa, "change_chat_mode", { chat_id: chatId, mode: "fight" }),
        await requestError(sa, "start_typing", { chat_id: chatId }),
      ];
      assert.deepEqual(refused.map((e) => e.code), Array(5).fill("chat_closed"));
      assert.match(refused[0]!.message, /closed/);
      await requestOk(sa, "stop_typing", { chat_id: chatId });
      assert.equal((await requestOk(sa, "mark_read", { chat_id: chatId, seq: 1 })).seq, 1);
      assert.equal((await requestOk(sa, "delete_message", { chat_id: chatId, message_id: m.message.id })).message.deleted, true);
    } finally {
      closeAll(sa);
    }
  });

  it("stops presence between the two", async () => {
    const { a, b } = await buildCouple(stack.api);
    const sb = await connectReady(stack.url, "couples", b.token);
    try {
      assert.equal((await breakUp(a)).status, 200);
      const heard = record(sb, "user_presence_update");
      // Listening before the connect: the partner's status is sent before `session`.
      const sa = connectClient(stack.url, "couples", a.token);
      const atConnect = record(sa, "user_presence_update");
      const ready = nextEvent(sa, "session");
      await connected(sa);
      await ready;
      await closeAndSettle(stack.server.app, sa);
      await flush(stack.server.app, sb);
      assert.deepEqual(heard.seen, [], "the ex hears neither online nor offline");
      assert.deepEqual(atConnect.seen, [], "and a /couples connect carries no partner status");
    } finally {
      closeAll(sb);
    }
  });

  it("lets each send partner requests again: someone new gets a new chat, the same two get their chat back, open", async () => {
    const { a, b, chatId } = await buildCouple(stack.api);
    const paths = messagePaths("couple", chatId);
    await post(stack.api, { paths }, a, "the first time");
    assert.equal((await breakUp(a)).status, 200);

    const c = await buildUser(stack.api);
    const toC = await stack.api.post("/api/partners/request", { recipient_id: c.id }, b.token);
    assert.equal(toC.status, 201, JSON.stringify(toC.body));
    const back = await stack.api.post("/api/partners/request", { recipient_id: b.id }, a.token);
    assert.equal(back.status, 201, "a request between the two is possible too");
    assert.equal((await stack.api.post(`/api/partners/requests/${back.body.id}/respond`, { action: "accept" }, b.token)).status, 204);
    assert.equal((await stack.api.get("/api/partners/requests", c.token)).body.incoming.length, 0, "b's other request was cancelled by the new link");

    const reopened = await stack.api.post("/api/chats", { recipient_id: a.id }, b.token);
    assert.deepEqual([reopened.body.id, reopened.body.closed], [chatId, false], "the same chat, open again");
    const again = await post(stack.api, { paths }, b, "the second time");
    assert.equal(again.seq, 2, "history goes on");
  });
});
