// The live side of every conversation kind: typing indicators (never echoed, expiring by
// themselves), read positions with receipts and unread counts, message_ack, and acks that
// name the bad field of an invalid payload.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ackError, nextEvent, requestError, requestOk, requestRaw } from "../support/clients.ts";
import { buildConversation, closeAll, cmid, connectReady, connectTrio, flush, KINDS, post, record, send, stopWhenDrained, unreadCount, type Conversation } from "../support/conversations.ts";
import { startStack, type Stack } from "../support/stack.ts";

const TYPING_TIMEOUT_MS = 300;
let stack: Stack;
before(async () => {
  stack = await startStack({ redis: true, env: { TYPING_TIMEOUT_MS: String(TYPING_TIMEOUT_MS) } });
});
after(() => stopWhenDrained(stack));

for (const kind of KINDS) {
  describe(`${kind}: live events`, () => {
    let c: Conversation;
    before(async () => {
      c = await buildConversation(stack.api, kind);
      await post(stack.api, c, c.a, "the conversation exists");
    });

    it("typing reaches the others, never the typist, and expires by itself", async () => {
      const { sa, sb, so, close } = await connectTrio(stack.url, c);
      try {
        const atA = record(sa, "typing_indicator");
        const atO = record(so, "typing_indicator");
        const typing = nextEvent(sb, "typing_indicator", (p) => p.is_typing);
        await requestOk(sa, "start_typing", { chat_id: c.id });
        const on = await typing;
        assert.deepEqual(on, { conversation_id: c.id, user_id: c.a.id, username: c.a.username, is_typing: true });
        const startedAt = Date.now();
        const off = await nextEvent(sb, "typing_indicator", (p) => !p.is_typing, 3000);
        const waited = Date.now() - startedAt;
        assert.equal(off.user_id, c.a.id);
        assert.ok(waited >= TYPING_TIMEOUT_MS - 100 && waited < 2000, `expired after ${waited} ms`);

        const stopped = nextEvent(sb, "typing_indicator", (p) => !p.is_typing, 1000);
        await requestOk(sa, "start_typing", { chat_id: c.id });
        await requestOk(sa, "stop_typing", { chat_id: c.id });
        assert.equal((await stopped).user_id, c.a.id);
        // The marker: B types now and lets it expire. Its expiry timer started after A's
        // stopped one would have, so a stray expiry of A's typing (one that stop_typing failed
        // to cancel) reaches the room first; once B's expiry is at A, only the outsider's
        // own connection is left to flush.
        const bExpired = nextEvent(sa, "typing_indicator", (p) => p.user_id === c.b.id && !p.is_typing, 3000);
        await requestOk(sb, "start_typing", { chat_id: c.id });
        await bExpired;
        await flush(stack.server.app, so);
        assert.deepEqual(atA.seen.filter((p) => p.user_id === c.a.id), [], "the typist never hears itself");
        assert.deepEqual(atA.seen.map((p) => [p.user_id, p.is_typing]), [[c.b.id, true], [c.b.id, false]], "A hears B type and stop");
        assert.deepEqual(atO.seen, [], "an outsider hears nothing");
      } finally {
        close();
      }
    });

    it("mark_read stores the position, sends read_receipt to the other member, and drives unread counts", async () => {
      const { sa, sb, close } = await connectTrio(stack.url, c);
      try {
        const base = (await stack.api.get(c.paths.latest(1), c.a.token)).body.messages[0].seq as number;
        await requestOk(sb, "mark_read", { chat_id: c.id, seq: base });
        for (const text of ["one", "two", "three"]) await send(sa, c.id, text);
        assert.equal(await unreadCount(stack.api, c, c.b), 3);
        assert.equal(await unreadCount(stack.api, c, c.a), 0, "your own messages are never unread");

        const receipt = nextEvent(sa, "read_receipt", (p) => p.user_id === c.b.id);
        const ack = await requestOk(sb, "mark_read", { chat_id: c.id, seq: base + 2 });
        assert.deepEqual(ack, { ok: true, chat_id: c.id, seq: base + 2 });
        const r = await receipt;
        assert.equal(r.conversation_id, c.id);
        assert.equal(r.seq, base + 2);
        assert.ok(!Number.isNaN(Date.parse(r.at)));
        assert.equal(await unreadCount(stack.api, c, c.b), 1);

        const back = await requestOk(sb, "mark_read", { chat_id: c.id, seq: base });
        assert.equal(back.seq, base + 2, "a read position never moves backwards");
        const beyond = await requestError(sb, "mark_read", { chat_id: c.id, seq: base + 99 });
        assert.match(beyond.message, /seq/);
        assert.equal((await stack.api.post(c.paths.read, { seq: base + 3 }, c.b.token)).status, 200);
        assert.equal(await unreadCount(stack.api, c, c.b), 0);
      } finally {
        close();
      }
    });

    it("message_ack goes to every socket of the sender and to nobody else", async () => {
      const { sa, sb, close } = await connectTrio(stack.url, c);
      const sa2 = await connectReady(stack.url, c.ns, c.a.token);
      try {
        const atB = record(sb, "message_ack");
        const id = cmid();
        const onOther = nextEvent(sa2, "message_ack", (p) => p.client_message_id === id);
        const onSender = nextEvent(sa, "message_ack", (p) => p.client_message_id === id);
        const ack = await requestOk(sa, "send_message", { chat_id: c.id, client_message_id: id, text: "ack me" });
        for (const ev of [await onSender, await onOther]) {
          assert.deepEqual(ev, { client_message_id: id, message_id: ack.message.id, conversation_id: c.id, seq: ack.message.seq, duplicate: false });
        }
        // Both of A's sockets have theirs: a message_ack wrongly sent to B was emitted by now.
        await flush(stack.server.app, sb);
        assert.deepEqual(atB.seen, []);
      } finally {
        close();
        closeAll(sa2);
      }
    });

    it("every event acks {ok:false, error:{code, message}} naming the bad field of an invalid payload", async () => {
      const { sa, close } = await connectTrio(stack.url, c);
      try {
        const mid = (await send(sa, c.id, "target")).message.id;
        const cases: [string, unknown, RegExp][] = [
          ["send_message", { chat_id: c.id, text: "no key" }, /client_message_id/],
          ["send_message", { chat_id: c.id, client_message_id: cmid(), text: 42 }, /text/],
          ["send_message", { chat_id: c.id, client_message_id: cmid(), text: "x", colour: "red" }, /colour/],
          ["send_message", { client_message_id: cmid(), text: "x" }, /chat_id/],
          ["send_message", { chat_id: c.id, client_message_id: "bad id!", text: "x" }, /client_message_id/],
          ["send_message", { chat_id: c.id, client_message_id: cmid(), text: "x".repeat(4001) }, /text/],
          ["send_message", { chat_id: c.id, client_message_id: cmid(), text: "x", kind: "hologram" }, /kind/],
          ["send_message", "just a string", /payload/],
          ["edit_message", { chat_id: c.id, message_id: "123", text: "x" }, /message_id/],
          ["edit_message", { chat_id: c.id, message_id: mid }, /text/],
          ["delete_message", { chat_id: c.id, message_id: mid, force: true }, /force/],
          ["toggle_reaction", { chat_id: c.id, message_id: mid }, /emoji/],
          ["mark_read", { chat_id: c.id, seq: "1" }, /seq/],
          ["mark_read", { chat_id: c.id, seq: -1 }, /seq/],
          ["start_typing", { chat_id: c.id, loud: true }, /loud/],
          ["stop_typing", {}, /chat_id/],
        ];
        for (const [event, payload, field] of cases) {
          // Payloads the contract does not allow: sent untyped, on purpose.
          const error = ackError(await requestRaw(sa, event, payload), `${event} ${JSON.stringify(payload).slice(0, 80)}`);
          assert.deepEqual(Object.keys(error).sort(), ["code", "message"]);
          assert.equal(error.code, "validation_error", `${event} ${JSON.stringify(payload).slice(0, 80)}`);
          assert.match(error.message, field, `${event}: ${error.message}`);
        }
        await requestOk(sa, "HEARTBEAT", {});
        await requestOk(sa, "send_message", { chat_id: c.id, client_message_id: cmid(), text: "still fine" }); // bad payloads leave the socket usable
      } finally {
        close();
      }
    });
  });
}
