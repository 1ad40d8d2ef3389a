// A message's life on every conversation kind: edit (with its history), soft delete
// (a tombstone that keeps its seq), reactions (one per user) and replies.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { nextEvent, requestError, requestOk } from "../support/clients.ts";
import { buildConversation, connectTrio, flush, KINDS, post, record, send, stopWhenDrained, type Conversation } from "../support/conversations.ts";
import { startStack, type Stack } from "../support/stack.ts";

let stack: Stack;
before(async () => {
  stack = await startStack({ redis: true });
});
after(() => stopWhenDrained(stack));

for (const kind of KINDS) {
  describe(`${kind}: message lifecycle`, () => {
    let c: Conversation;
    before(async () => {
      c = await buildConversation(stack.api, kind);
    });

    it("edit keeps the previous texts, marks the message edited, reaches both members, and is the sender's alone", async () => {
      const { sa, sb, so, close } = await connectTrio(stack.url, c);
      try {
        const outsider = record(so, "message_updated");
        const { message } = await send(sa, c.id, "v1");
        await stack.api.get(c.paths.latest(10), c.b.token); // warm the read model before editing
        const atB = nextEvent(sb, "message_updated", (p) => p.message.text === "v2");
        await requestOk(sa, "edit_message", { chat_id: c.id, message_id: message.id, text: "v2" });
        assert.equal((await atB).message.id, message.id);
        const atBv3 = nextEvent(sb, "message_updated", (p) => p.message.text === "v3");
        const second = await requestOk(sa, "edit_message", { chat_id: c.id, message_id: message.id, text: "v3" });
        const m = second.message;
        assert.equal(m.text, "v3");
        assert.equal(m.edited, true);
        assert.deepEqual(m.edits.map((e) => e.text), ["v1", "v2"]);
        assert.ok(m.last_edited_at && Date.parse(m.last_edited_at) >= Date.parse(m.created_at), `last_edited_at ${m.last_edited_at}`);
        assert.equal(m.seq, message.seq, "an edit keeps the seq");

        const refused = await requestError(sb, "edit_message", { chat_id: c.id, message_id: message.id, text: "not mine" });
        assert.equal(refused.code, "forbidden");
        assert.equal((await stack.api.put(c.paths.item(message.id), { text: "not mine" }, c.b.token)).status, 403);
        assert.equal((await stack.api.put(c.paths.item(message.id), { text: "   " }, c.a.token)).status, 400);

        const latest = (await stack.api.get(c.paths.latest(10), c.b.token)).body.messages;
        assert.equal(latest.find((x: { id: string }) => x.id === message.id).text, "v3", "the latest window shows the edit");
        const stored = (await stack.api.get(c.paths.byId(message.id), c.b.token)).body;
        assert.deepEqual(stored.edits.map((e: { text: string }) => e.text), ["v1", "v2"]);
        await atBv3; // the last update reached the member: one wrongly sent to the outsider was emitted too
        await flush(stack.server.app, so);
        assert.deepEqual(outsider.seen, []);
      } finally {
        close();
      }
    });

    it("delete leaves a tombstone that keeps its seq and loses its content", async () => {
      const { sa, sb, close } = await connectTrio(stack.url, c);
      try {
        const { message } = await send(sa, c.id, "regrettable");
        await requestOk(sa, "edit_message", { chat_id: c.id, message_id: message.id, text: "still regrettable" });
        await requestOk(sb, "toggle_reaction", { chat_id: c.id, message_id: message.id, emoji: "😬" });
        await stack.api.get(c.paths.latest(10), c.b.token);

        const refused = await requestError(sb, "delete_message", { chat_id: c.id, message_id: message.id });
        assert.equal(refused.code, "forbidden", "a member may not delete another's message");

        const atB = nextEvent(sb, "message_deleted", (p) => p.message.id === message.id);
        const ack = await requestOk(sa, "delete_message", { chat_id: c.id, message_id: message.id });
        for (const m of [ack.message, (await atB).message]) {
          assert.equal(m.deleted, true);
          assert.ok(m.deleted_at);
          assert.equal(m.seq, message.seq);
          assert.equal(m.text, "");
          assert.equal(m.media, null);
          assert.deepEqual(m.edits, []);
          assert.deepEqual(m.reactions, {});
        }
        const history = (await stack.api.get(c.paths.history({ after_seq: message.seq! - 1 }), c.b.token)).body.messages;
        assert.equal(history[0].id, message.id);
        assert.equal(history[0].deleted, true);
        assert.equal(history[0].text, "");
        const latest = (await stack.api.get(c.paths.latest(10), c.a.token)).body.messages;
        assert.equal(latest.find((x: { id: string }) => x.id === message.id).deleted, true, "the latest window shows the tombstone");
        assert.ok(!JSON.stringify(latest).includes("regrettable"));

        const edit = await requestError(sa, "edit_message", { chat_id: c.id, message_id: message.id, text: "undo" });
        assert.equal(edit.code, "conflict");
        const react = await requestError(sb, "toggle_reaction", { chat_id: c.id, message_id: message.id, emoji: "👍" });
        assert.equal(react.code, "conflict");
        const next = await send(sb, c.id, "moving on");
        assert.equal(next.message.seq, message.seq! + 1);
      } finally {
        close();
      }
    });

    it(kind === "group" ? "a group admin may delete anyone's message" : "nobody but the sender deletes", async () => {
      const message = await post(stack.api, c, c.b, "b's words");
      const res = await stack.api.del(c.paths.item(message.id), c.a.token);
      if (kind === "group") {
        assert.equal(res.status, 200);
        assert.equal(res.body.deleted, true);
      } else {
        assert.equal(res.status, 403);
        assert.equal((await stack.api.get(c.paths.byId(message.id), c.b.token)).body.deleted, false);
      }
    });

    it("reactions toggle: one emoji per user, the same again removes it, another replaces it", async () => {
      const { sa, sb, so, close } = await connectTrio(stack.url, c);
      try {
        const outsider = record(so, "message_reaction_update");
        const { message } = await send(sa, c.id, "react to me");
        const toggle = (s: typeof sa, emoji: string) => requestOk(s, "toggle_reaction", { chat_id: c.id, message_id: message.id, emoji });

        const atA = nextEvent(sa, "message_reaction_update", (p) => p.message_id === message.id);
        const r1 = await toggle(sb, "👍");
        assert.deepEqual(r1.summary, { "👍": 1 });
        assert.equal(r1.reactions[c.b.id]?.emoji, "👍");
        assert.equal(r1.reactions[c.b.id]?.username, c.b.username);
        const ev = await atA;
        assert.equal(ev.conversation_id, c.id);
        assert.deepEqual(ev.summary, { "👍": 1 });

        assert.deepEqual((await toggle(sa, "👍")).summary, { "👍": 2 });
        assert.deepEqual((await toggle(sb, "👍")).summary, { "👍": 1 }, "the same emoji again removes it");
        const replaced = await toggle(sa, "❤️");
        assert.deepEqual(replaced.summary, { "❤️": 1 }, "another emoji replaces the user's reaction");
        assert.deepEqual(Object.keys(replaced.reactions), [c.a.id]);

        const fire = nextEvent(sa, "message_reaction_update", (p) => p.message_id === message.id && "🔥" in p.summary);
        const rest = await stack.api.post(c.paths.reactions(message.id), { emoji: "🔥" }, c.b.token);
        assert.equal(rest.status, 200);
        assert.deepEqual(rest.body.summary, { "❤️": 1, "🔥": 1 });
        const stored = (await stack.api.get(c.paths.byId(message.id), c.a.token)).body;
        assert.deepEqual(Object.fromEntries(Object.entries(stored.reactions).map(([u, r]) => [u, (r as { emoji: string }).emoji])), { [c.a.id]: "❤️", [c.b.id]: "🔥" });
        assert.equal((await stack.api.post(c.paths.reactions(message.id), { emoji: "" }, c.b.token)).status, 400);
        await fire; // the last update reached a member: one wrongly sent to the outsider was emitted too
        await flush(stack.server.app, so);
        assert.deepEqual(outsider.seen, []);
      } finally {
        close();
      }
    });

    it("a reply carries a snapshot of the message it answers", async () => {
      const { sa, sb, close } = await connectTrio(stack.url, c);
      try {
        const { message: original } = await send(sa, c.id, "what's for dinner?");
        const atA = nextEvent(sa, "new_message", (p) => p.message.text === "pasta");
        const { message: reply } = await send(sb, c.id, "pasta", { reply_to_message_id: original.id });
        assert.deepEqual(
          { ...reply.reply_to, sender: reply.reply_to?.sender.id },
          { message_id: original.id, sender: c.a.id, text: "what's for dinner?", timestamp: original.created_at, kind: "text", media: null },
        );
        assert.equal((await atA).message.reply_to?.message_id, original.id);

        await requestOk(sa, "edit_message", { chat_id: c.id, message_id: original.id, text: "lunch?" });
        const stored = (await stack.api.get(c.paths.byId(reply.id), c.a.token)).body;
        assert.equal(stored.reply_to.text, "what's for dinner?", "a snapshot, not a live reference");

        const unknown = await requestError(sb, "send_message", { chat_id: c.id, client_message_id: `r-${kind}-1`, text: "?", reply_to_message_id: "0123456789abcdef01234567" });
        assert.match(unknown.message, /reply_to_message_id/);
        const other = await buildConversation(stack.api, kind);
        const foreign = (await stack.api.post(other.paths.post, { text: "elsewhere" }, other.a.token)).body;
        const crossed = await stack.api.post(c.paths.post, { text: "?", reply_to_message_id: foreign.id }, c.b.token);
        assert.equal(crossed.status, 400, "a reply cannot quote another conversation");
        assert.ok(!JSON.stringify(crossed.body).includes("elsewhere"));
      } finally {
        close();
      }
    });
  });
}
