// An outsider is refused everywhere: another couple's chat, a private group, someone
// else's DM, by every REST route and every socket event, and nothing leaks or changes.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { nextEvent, requestError, requestOk, type AnyRequest } from "../support/clients.ts";
import { buildConversation, cmid, connectReady, connectTrio, flush, FLUSH_EVENT, KINDS, post, stopWhenDrained, unreadCount, type Conversation, type Kind } from "../support/conversations.ts";
import { startStack, type Stack } from "../support/stack.ts";

let stack: Stack;
before(async () => {
  stack = await startStack({ redis: true });
});
after(() => stopWhenDrained(stack));

// Couple chats and private groups are invisible (404); a DM id names its two users, so
// an outsider is simply forbidden (403).
const refusal: Record<Kind, { status: number; code: string }> = {
  couple: { status: 404, code: "not_found" },
  group: { status: 404, code: "not_found" },
  dm: { status: 403, code: "forbidden" },
};

for (const kind of KINDS) {
  describe(`${kind}: the outsider`, () => {
    let c: Conversation;
    let messageId: string;
    let createdAt: string;
    before(async () => {
      c = await buildConversation(stack.api, kind);
      const m = await post(stack.api, c, c.a, "members only");
      messageId = m.id;
      createdAt = m.created_at;
    });

    it("is refused by every REST message route (and nobody gets in without a token)", async () => {
      const p = c.paths;
      const routes: [string, string, string, unknown][] = [
        ["latest", "GET", p.latest(), undefined],
        ["history", "GET", p.history(), undefined],
        ["post", "POST", p.post, { text: "intruding" }],
        ["edit", "PUT", p.item(messageId), { text: "hacked" }],
        ["delete", "DELETE", p.item(messageId), undefined],
        ["reactions", "POST", p.reactions(messageId), { emoji: "💀" }],
        ["by-id", "GET", p.byId(messageId), undefined],
        ["by-ts", "GET", p.byTs(createdAt), undefined],
        ["read", "POST", p.read, { seq: 1 }],
      ];
      for (const [name, method, path, json] of routes) {
        const res = await stack.api.call(method, path, { token: c.outsider.token, ...(json ? { json } : {}) });
        assert.equal(res.status, refusal[kind].status, `${name}: ${JSON.stringify(res.body)}`);
        assert.equal(res.body.error.code, refusal[kind].code, name);
        assert.ok(!JSON.stringify(res.body).includes("members only"), `${name} leaks nothing`);
        const anonymous = await stack.api.call(method, path, json ? { json } : {});
        assert.equal(anonymous.status, 401, `${name} without a token`);
      }
    });

    it("is refused by every socket event and hears nothing", async () => {
      const { sa, sb, so, close } = await connectTrio(stack.url, c);
      const heard: string[] = [];
      so.onAny((event: string) => heard.push(event));
      try {
        const attempts: AnyRequest[] = [
          ["send_message", { chat_id: c.id, client_message_id: cmid(), text: "intruding" }],
          ["edit_message", { chat_id: c.id, message_id: messageId, text: "hacked" }],
          ["delete_message", { chat_id: c.id, message_id: messageId }],
          ["toggle_reaction", { chat_id: c.id, message_id: messageId, emoji: "💀" }],
          ["start_typing", { chat_id: c.id }],
          ["stop_typing", { chat_id: c.id }],
          ["mark_read", { chat_id: c.id, seq: 1 }],
        ];
        if (kind === "couple") {
          attempts.push(["change_chat_mode", { chat_id: c.id, mode: "incognito" }]);
          attempts.push(["ping_thinking_of_you", { recipient_user_id: c.a.id }]);
        }
        for (const [event, payload] of attempts) {
          const error = await requestError(so, event, payload);
          const expected = event === "ping_thinking_of_you" ? "forbidden" : refusal[kind].code;
          assert.equal(error.code, expected, `${event}: ${error.message}`);
        }
        // The members' own traffic does not reach the outsider either: once it has reached
        // the other member, anything wrongly sent to the outsider was emitted too.
        const typing = nextEvent(sb, "typing_indicator", (p) => p.user_id === c.a.id && p.is_typing);
        const reply = nextEvent(sa, "new_message", (p) => p.message.text === "private reply");
        await requestOk(sa, "start_typing", { chat_id: c.id });
        await requestOk(sb, "send_message", { chat_id: c.id, client_message_id: cmid(), text: "private reply" });
        await Promise.all([typing, reply]);
        await flush(stack.server.app, so);
        assert.deepEqual(heard.filter((e) => e !== "session" && e !== FLUSH_EVENT), []);

        // And nothing changed.
        const stored = (await stack.api.get(c.paths.byId(messageId), c.a.token)).body;
        assert.equal(stored.text, "members only");
        assert.equal(stored.deleted, false);
        assert.deepEqual(stored.reactions, {});
        const texts = (await stack.api.get(c.paths.history(), c.a.token)).body.messages.map((m: { text: string }) => m.text);
        assert.deepEqual(texts, ["members only", "private reply"]);
        if (kind === "couple") assert.equal((await stack.api.get(`/api/chats/${c.id}`, c.a.token)).body.mode, "normal");
        assert.equal(await unreadCount(stack.api, c, c.b), 1, "the outsider's mark_read stored nothing for anyone");
      } finally {
        close();
      }
    });
  });
}

describe("the outsider and the conversation resources", () => {
  it("cannot see or touch another couple's chat", async () => {
    const c = await buildConversation(stack.api, "couple");
    const t = c.outsider.token;
    const missing = `${"0".repeat(24)}_${"1".repeat(24)}`;
    const foreign = await stack.api.get(`/api/chats/${c.id}`, t);
    const none = await stack.api.get(`/api/chats/${missing}`, t);
    assert.deepEqual([foreign.status, foreign.body.error.code], [404, "not_found"]);
    assert.deepEqual([none.status, none.body], [404, foreign.body], "someone else's chat looks exactly like no chat");
    assert.equal((await stack.api.post("/api/chats", { recipient_id: c.a.id }, t)).status, 403);
    assert.deepEqual((await stack.api.get("/api/chats", t)).body.chats, []);
  });

  it("cannot see, join or manage a private group", async () => {
    const c = await buildConversation(stack.api, "group");
    const t = c.outsider.token;
    const g = `/api/groups/${c.id}`;
    for (const [method, path, body] of [
      ["GET", g, undefined],
      ["PUT", g, { name: "taken over" }],
      ["DELETE", g, undefined],
      ["POST", `${g}/join`, {}],
      ["POST", `${g}/leave`, {}],
      ["POST", `${g}/members`, { user_id: c.outsider.id }],
      ["PUT", `${g}/members/${c.b.id}`, { role: "admin" }],
      ["DELETE", `${g}/members/${c.b.id}`, undefined],
    ] as const) {
      const res = await stack.api.call(method, path, { token: t, ...(body ? { json: body } : {}) });
      assert.equal(res.status, 404, `${method} ${path}`);
    }
    assert.ok(!(await stack.api.get("/api/groups", t)).body.groups.some((x: { id: string }) => x.id === c.id));
    const group = (await stack.api.get(g, c.a.token)).body;
    assert.equal(group.name, "Test group");
    assert.deepEqual(group.members.map((m: { user_id: string }) => m.user_id).sort(), [c.a.id, c.b.id].sort());
  });

  it("does not see someone else's DM thread, and a chat id works only in its own namespace", async () => {
    const dm = await buildConversation(stack.api, "dm");
    await post(stack.api, dm, dm.a, "between us");
    assert.ok(!(await stack.api.get("/api/dm/threads", dm.outsider.token)).body.threads.some((x: { dm_id: string }) => x.dm_id === dm.id));
    const group = await buildConversation(stack.api, "group");
    const s = await connectReady(stack.url, "couples", group.a.token);
    try {
      const error = await requestError(s, "send_message", { chat_id: group.id, client_message_id: cmid(), text: "wrong door" });
      assert.equal(error.code, "validation_error");
    } finally {
      s.close();
    }
  });
});
