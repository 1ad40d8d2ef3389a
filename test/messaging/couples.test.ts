// Couples: partner requests, the couple's chat, its messages over REST and sockets, and
// the partner-only thinking-of-you ping.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ackError, nextEvent, requestError, requestOk, requestRaw } from "../support/clients.ts";
import { closeAll, cmid, connectReady, flush, messagePaths, record, stopWhenDrained } from "../support/conversations.ts";
import { buildCouple, buildUser } from "../support/factories.ts";
import { startStack, type Stack } from "../support/stack.ts";

let stack: Stack;
before(async () => {
  stack = await startStack({ redis: true });
});
after(() => stopWhenDrained(stack));

describe("partner requests", () => {
  it("are listed incoming and outgoing, refused when one exists or someone is taken, and accepting links both and cancels the rest", async () => {
    const api = stack.api;
    const [a, b, c, d] = await Promise.all([buildUser(api), buildUser(api), buildUser(api), buildUser(api)]);
    const sb = await connectReady(stack.url, "couples", b.token);
    const sa = await connectReady(stack.url, "couples", a.token);
    try {
      const announced = nextEvent(sb, "partner_request", (p) => p.request.sender.id === a.id);
      const req = await api.post("/api/partners/request", { recipient_id: b.id }, a.token);
      assert.equal(req.status, 201);
      assert.equal(req.body.status, "pending");
      assert.equal(req.body.sender.id, a.id);
      assert.equal(req.body.recipient.id, b.id);
      assert.equal((await announced).request.id, req.body.id);

      const incoming = await api.get("/api/partners/requests", b.token);
      assert.deepEqual(incoming.body.incoming.map((r: { id: string }) => r.id), [req.body.id]);
      assert.deepEqual(incoming.body.outgoing, []);
      const outgoing = await api.get("/api/partners/requests", a.token);
      assert.deepEqual(outgoing.body.outgoing.map((r: { id: string }) => r.id), [req.body.id]);

      // One pending request per pair, whichever side asks; never yourself.
      assert.equal((await api.post("/api/partners/request", { recipient_id: b.id }, a.token)).status, 400);
      assert.equal((await api.post("/api/partners/request", { recipient_id: a.id }, b.token)).status, 400);
      assert.equal((await api.post("/api/partners/request", { recipient_id: a.id }, a.token)).status, 400);
      assert.equal((await api.post("/api/partners/request", { recipient_id: "nope" }, a.token)).status, 400);

      // Other requests around the pair: c asks a, a asks d, d asks b (b rejects that one).
      const fromC = await api.post("/api/partners/request", { recipient_id: a.id }, c.token);
      const toD = await api.post("/api/partners/request", { recipient_id: d.id }, a.token);
      const fromD = await api.post("/api/partners/request", { recipient_id: b.id }, d.token);
      assert.deepEqual([fromC.status, toD.status, fromD.status], [201, 201, 201]);
      assert.equal((await api.post(`/api/partners/requests/${fromD.body.id}/respond`, { action: "reject" }, b.token)).status, 204);
      const dLists = (await api.get("/api/partners/requests", d.token)).body;
      assert.deepEqual(dLists.outgoing, [], "a rejected request is no longer pending");
      assert.deepEqual(dLists.incoming.map((r: { id: string }) => r.id), [toD.body.id]);

      // Only the recipient answers; an unknown action is refused.
      assert.equal((await api.post(`/api/partners/requests/${req.body.id}/respond`, { action: "accept" }, c.token)).status, 404);
      assert.equal((await api.post(`/api/partners/requests/${req.body.id}/respond`, { action: "accept" }, a.token)).status, 404);
      assert.equal((await api.post(`/api/partners/requests/${req.body.id}/respond`, { action: "maybe" }, b.token)).status, 400);

      const linked = nextEvent(sa, "partner_linked");
      assert.equal((await api.post(`/api/partners/requests/${req.body.id}/respond`, { action: "accept" }, b.token)).status, 204);
      const link = await linked;
      assert.equal(link.partner.id, b.id);
      assert.ok(link.chat_id);
      assert.equal((await api.get("/api/users/me", a.token)).body.partner_id, b.id);
      assert.equal((await api.get("/api/users/me", b.token)).body.partner_id, a.id);

      // Their other pending requests are gone, on both sides.
      for (const u of [a, b, c, d]) {
        const lists = (await api.get("/api/partners/requests", u.token)).body;
        assert.deepEqual([lists.incoming.length, lists.outgoing.length], [0, 0], `requests left for ${u.username}`);
      }
      assert.equal((await api.post(`/api/partners/requests/${fromC.body.id}/respond`, { action: "accept" }, a.token)).status, 400);
      assert.equal((await api.get("/api/users/me", c.token)).body.partner_id, null);

      // Partnered users can neither ask nor be asked; an answered request stays answered.
      assert.equal((await api.post("/api/partners/request", { recipient_id: c.id }, a.token)).status, 400);
      assert.equal((await api.post("/api/partners/request", { recipient_id: b.id }, c.token)).status, 400);
      assert.equal((await api.post(`/api/partners/requests/${req.body.id}/respond`, { action: "reject" }, b.token)).status, 400);
    } finally {
      closeAll(sa, sb);
    }
  });
});

describe("the couple chat", () => {
  it("POST /api/chats gives both partners the same chat and refuses anyone who is not the partner", async () => {
    const { a, b, chatId } = await buildCouple(stack.api);
    const c = await buildUser(stack.api);
    const fromB = await stack.api.post("/api/chats", { recipient_id: a.id }, b.token);
    assert.equal(fromB.status, 200);
    assert.equal(fromB.body.id, chatId);
    assert.deepEqual(fromB.body.members.map((m: { id: string }) => m.id).sort(), [a.id, b.id].sort());
    assert.equal(fromB.body.mode, "normal");
    assert.equal((await stack.api.post("/api/chats", { recipient_id: c.id }, a.token)).status, 403);
    assert.equal((await stack.api.post("/api/chats", { recipient_id: a.id }, c.token)).status, 403);
    assert.equal((await stack.api.post("/api/chats", { recipient_id: b.id, extra: 1 }, a.token)).status, 400);
    assert.deepEqual((await stack.api.get("/api/chats", a.token)).body.chats.map((x: { id: string }) => x.id), [chatId]);
    assert.deepEqual((await stack.api.get("/api/chats", c.token)).body.chats, []);
    assert.equal((await stack.api.get(`/api/chats/${chatId}`, b.token)).body.id, chatId);
  });

  it("REST messages: POST emits new_message and is idempotent; GET pages with limit and before_timestamp", async () => {
    const { a, b, chatId } = await buildCouple(stack.api);
    const paths = messagePaths("couple", chatId);
    const sb = await connectReady(stack.url, "couples", b.token);
    try {
      const live = nextEvent(sb, "new_message");
      const first = await stack.api.post(paths.post, { text: "m0", client_message_id: "rest-0" }, a.token);
      assert.equal(first.status, 201);
      assert.equal((await live).message.id, first.body.id);
      const again = await stack.api.post(paths.post, { text: "m0 retried", client_message_id: "rest-0" }, a.token);
      assert.equal(again.body.id, first.body.id, "a retry answers the original");
      assert.equal(again.body.text, "m0");

      const sent = [first.body];
      for (let i = 1; i < 5; i++) sent.push((await stack.api.post(paths.post, { text: `m${i}` }, i % 2 ? b.token : a.token)).body);
      assert.deepEqual(sent.map((m) => m.seq), [1, 2, 3, 4, 5]);

      const all = await stack.api.get(paths.history(), a.token);
      assert.deepEqual(all.body.messages.map((m: { text: string }) => m.text), ["m0", "m1", "m2", "m3", "m4"]);
      const lastTwo = await stack.api.get(paths.history({ limit: 2 }), b.token);
      assert.deepEqual(lastTwo.body.messages.map((m: { text: string }) => m.text), ["m3", "m4"]);
      const before = await stack.api.get(paths.history({ before_timestamp: sent[3].created_at }), a.token);
      assert.ok(before.body.messages.every((m: { created_at: string }) => m.created_at < sent[3].created_at));
      assert.deepEqual(before.body.messages.map((m: { text: string }) => m.text), sent.filter((m) => m.created_at < sent[3].created_at).map((m) => m.text));
      const page = await stack.api.get(paths.history({ limit: 1, before_timestamp: sent[3].created_at }), a.token);
      assert.deepEqual(page.body.messages.map((m: { id: string }) => m.id), [before.body.messages.at(-1).id]);
      assert.equal((await stack.api.get(paths.history({ limit: 0 }), a.token)).status, 400);
      assert.equal((await stack.api.get(paths.history({ before_timestamp: "yesterday" }), a.token)).status, 400);
      assert.equal((await stack.api.post(paths.post, { text: "" }, a.token)).status, 400);
      assert.equal(again.status, 200, "a retry answers 200 (not 201 Created)");
    } finally {
      sb.close();
    }
  });

  it("socket messages reach both partners' sockets, ack the sender and emit message_ack", async () => {
    const { a, b, chatId } = await buildCouple(stack.api);
    const [sa, sb] = await Promise.all([connectReady(stack.url, "couples", a.token), connectReady(stack.url, "couples", b.token)]);
    try {
      const atB = nextEvent(sb, "new_message");
      const atA = nextEvent(sa, "new_message");
      const acked = nextEvent(sa, "message_ack");
      const id = cmid();
      const ack = await requestOk(sa, "send_message", { chat_id: chatId, client_message_id: id, text: "hello partner" });
      assert.equal(ack.duplicate, false);
      assert.equal(ack.message.text, "hello partner");
      assert.equal(ack.message.sender.id, a.id);
      assert.equal(ack.message.conversation_id, chatId);
      assert.equal(ack.message.conversation_type, "couple");
      assert.equal(ack.message.mode, "normal");
      assert.equal((await atB).message.id, ack.message.id);
      assert.equal((await atA).message.id, ack.message.id);
      const receipt = await acked;
      assert.deepEqual(receipt, { client_message_id: id, message_id: ack.message.id, conversation_id: chatId, seq: ack.message.seq, duplicate: false });
      const stored = await stack.api.get(messagePaths("couple", chatId).byId(ack.message.id), b.token);
      assert.equal(stored.body.text, "hello partner");
    } finally {
      closeAll(sa, sb);
    }
  });

  it("ping_thinking_of_you reaches the partner only, and is refused for anyone else", async () => {
    const { a, b } = await buildCouple(stack.api);
    const c = await buildUser(stack.api);
    const [sa, sb, sc] = await Promise.all([a, b, c].map((u) => connectReady(stack.url, "couples", u.token)));
    try {
      const atA = record(sa!, "thinking_of_you_received");
      const atC = record(sc!, "thinking_of_you_received");
      const got = nextEvent(sb!, "thinking_of_you_received");
      await requestOk(sa!, "ping_thinking_of_you", { recipient_user_id: b.id });
      const ping = await got;
      assert.equal(ping.from.id, a.id);
      assert.ok(!Number.isNaN(Date.parse(ping.at)));
      const refused = await requestError(sa!, "ping_thinking_of_you", { recipient_user_id: c.id });
      assert.equal(refused.code, "forbidden");
      const outsider = await requestError(sc!, "ping_thinking_of_you", { recipient_user_id: b.id });
      assert.equal(outsider.code, "forbidden");
      // A number where the contract says string: sent untyped, on purpose.
      const bad = ackError(await requestRaw(sa!, "ping_thinking_of_you", { recipient_user_id: 42 }));
      assert.equal(bad.code, "validation_error");
      assert.match(bad.message, /recipient_user_id/);
      // The partner has the ping: one wrongly sent to A or C was emitted too.
      await flush(stack.server.app, sa!, sc!);
      assert.equal(atA.seen.length, 0, "the sender does not get its own ping");
      assert.equal(atC.seen.length, 0, "an outsider gets nothing");
    } finally {
      closeAll(sa!, sb!, sc!);
    }
  });
});
