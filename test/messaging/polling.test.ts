// A client restricted to HTTP long-polling gets everything a WebSocket client gets:
// the same flows, talking to each other across the two transports.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ackError, nextEvent, requestError, requestOk, requestRaw } from "../support/clients.ts";
import { buildConversation, closeAll, cmid, connectReady, flush, KINDS, record, send, stopWhenDrained } from "../support/conversations.ts";
import { startStack, type Stack } from "../support/stack.ts";

let stack: Stack;
before(async () => {
  stack = await startStack({ redis: true, env: { TYPING_TIMEOUT_MS: "300" } });
});
after(() => stopWhenDrained(stack));

for (const kind of KINDS) {
  describe(`${kind} over long-polling`, () => {
    it("a polling client sends, receives, edits, reacts, types and reads like a websocket client", async () => {
      const c = await buildConversation(stack.api, kind);
      const pa = await connectReady(stack.url, c.ns, c.a.token, ["polling"]);
      const pb = await connectReady(stack.url, c.ns, c.b.token, ["polling"]);
      const wb = await connectReady(stack.url, c.ns, c.b.token, ["websocket"]);
      const po = await connectReady(stack.url, c.ns, c.outsider.token, ["polling"]);
      try {
        assert.equal(pa.io.engine.transport.name, "polling");
        assert.equal(pb.io.engine.transport.name, "polling");
        const outsider = record(po, "new_message");

        // polling → polling and websocket
        const atPb = nextEvent(pb, "new_message", (p) => p.message.text === "over polling");
        const atWb = nextEvent(wb, "new_message", (p) => p.message.text === "over polling");
        const acked = nextEvent(pa, "message_ack");
        const ack = await requestOk(pa, "send_message", { chat_id: c.id, client_message_id: cmid(), text: "over polling" });
        assert.equal((await atPb).message.id, ack.message.id);
        assert.equal((await atWb).message.id, ack.message.id);
        assert.equal((await acked).message_id, ack.message.id);

        // websocket → polling
        const back = nextEvent(pa, "new_message", (p) => p.message.text === "over websocket");
        const reply = await send(wb, c.id, "over websocket", { reply_to_message_id: ack.message.id });
        assert.equal((await back).message.reply_to?.message_id, ack.message.id);

        const updated = nextEvent(pb, "message_updated");
        await requestOk(pa, "edit_message", { chat_id: c.id, message_id: ack.message.id, text: "edited over polling" });
        assert.equal((await updated).message.text, "edited over polling");

        const reaction = nextEvent(pa, "message_reaction_update");
        assert.deepEqual((await requestOk(pb, "toggle_reaction", { chat_id: c.id, message_id: ack.message.id, emoji: "🎉" })).summary, { "🎉": 1 });
        assert.deepEqual((await reaction).summary, { "🎉": 1 });

        const typing = nextEvent(pb, "typing_indicator", (p) => p.is_typing);
        const expired = nextEvent(pb, "typing_indicator", (p) => !p.is_typing, 3000);
        await requestOk(pa, "start_typing", { chat_id: c.id });
        assert.equal((await typing).user_id, c.a.id);
        assert.equal((await expired).user_id, c.a.id);

        const receipt = nextEvent(pb, "read_receipt", (p) => p.user_id === c.a.id);
        assert.ok(reply.message.seq !== null);
        await requestOk(pa, "mark_read", { chat_id: c.id, seq: reply.message.seq });
        assert.equal((await receipt).seq, reply.message.seq);

        const deleted = nextEvent(pa, "message_deleted");
        await requestOk(pb, "delete_message", { chat_id: c.id, message_id: reply.message.id });
        assert.equal((await deleted).message.id, reply.message.id);

        // No client_message_id, which the contract requires: sent untyped, on purpose.
        const bad = ackError(await requestRaw(pa, "send_message", { chat_id: c.id, text: "no key" }));
        assert.equal(bad.code, "validation_error");
        await requestError(po, "send_message", { chat_id: c.id, client_message_id: cmid(), text: "let me in" });
        // Every message above reached the members: one wrongly sent to the outsider was emitted too.
        await flush(stack.server.app, po);
        assert.deepEqual(outsider.seen, []);
      } finally {
        closeAll(pa, pb, wb, po);
      }
    });
  });
}

describe("couples extras over long-polling", () => {
  it("thinking_of_you, chat modes and presence reach a polling partner", async () => {
    const c = await buildConversation(stack.api, "couple");
    const pb = await connectReady(stack.url, "couples", c.b.token, ["polling"]);
    try {
      const online = nextEvent(pb, "user_presence_update", (p) => p.user_id === c.a.id && p.status === "online");
      const pa = await connectReady(stack.url, "couples", c.a.token, ["polling"]);
      await online;
      const ping = nextEvent(pb, "thinking_of_you_received");
      await requestOk(pa, "ping_thinking_of_you", { recipient_user_id: c.b.id });
      assert.equal((await ping).from.id, c.a.id);
      const mode = nextEvent(pb, "chat_mode_changed");
      await requestOk(pa, "change_chat_mode", { chat_id: c.id, mode: "incognito" });
      assert.equal((await mode).mode, "incognito");
      const secret = nextEvent(pb, "new_message");
      await send(pa, c.id, "whisper");
      assert.equal((await secret).message.seq, null);
      const offline = nextEvent(pb, "user_presence_update", (p) => p.user_id === c.a.id && p.status === "offline");
      pa.close();
      assert.ok((await offline).last_seen);
    } finally {
      pb.close();
    }
  });
});
