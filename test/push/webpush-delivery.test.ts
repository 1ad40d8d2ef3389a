// Web Push end to end, one server on its embedded database, a real local push service that
// checks VAPID and decrypts what it gets (test/support/push-service.ts): a message to a user
// with no device connected is exactly one push with the right payload; a connected user, the
// sender themselves, a muted conversation get none (a mention gets through a mute); the other
// events (reaction, thinking-of-you, partner request, group invite) push their kind; a 410
// deletes the subscription, a 429 is retried after its Retry-After, an expired login's
// subscription is pruned, and a push service that hangs does not slow sends down.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { connectAs, requestOk, type ChatClient } from "../support/clients.ts";
import { buildConversation, type Conversation } from "../support/conversations.ts";
import { buildCouple, buildGroup, buildUser } from "../support/factories.ts";
import { startPushService, type PushService, type ReceivedPush } from "../support/push-service.ts";
import { startStack, type Stack } from "../support/stack.ts";
import { sleep, waitFor } from "../support/wait.ts";
import { pushEnv, pushQueueDrained, subscribeWebPush } from "./push-helpers.ts";

let push: PushService;
let stack: Stack;
let vapidKey: string;
before(async () => {
  push = await startPushService();
  stack = await startStack({ env: pushEnv(push, undefined, { PUSH_TTL_SEC: "3600", PUSH_REQUEST_TIMEOUT_MS: "1500" }) });
  vapidKey = (await stack.api.get("/api/push/vapid-public-key")).body.public_key;
  push.expectVapidKey(vapidKey);
});
after(async () => {
  await stack.stop();
  await push.stop();
});

const send = async (c: Conversation, from: "a" | "b", text: string) => {
  const res = await stack.api.post(c.paths.post, { text }, c[from].token);
  assert.ok(res.status === 201 || res.status === 200, `send: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
};
/** Forgets what the push service got, once the pushes of earlier steps (an invitation at group creation) are done. */
const clearPushes = async () => {
  await pushQueueDrained(stack.server.app);
  push.clear();
};
const pushesTo = (endpoint: string) => push.received.filter((p) => p.endpoint === endpoint);
/** Nothing more arrives for a while (pushes are asynchronous: "none" needs a wait). */
const quiet = () => sleep(800);
const metric = async (name: string, labels: string) => {
  const text = await (await fetch(`${stack.url}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith(`${name}{${labels}}`));
  return line ? Number(line.split(" ").pop()) : 0;
};

describe("Web Push delivery", () => {
  for (const kind of ["dm", "group", "couple"] as const) {
    it(`${kind}: a message to a user with no device connected is one push, VAPID-signed, with the right payload; none to the sender`, async () => {
      const c = await buildConversation(stack.api, kind);
      const toB = await subscribeWebPush(stack.api, push, c.b.token);
      const toA = await subscribeWebPush(stack.api, push, c.a.token);
      await clearPushes();
      const m = await send(c, "a", "see you at 8?");
      const [p] = (await push.waitForPushes(1)) as ReceivedPush[];
      await quiet();
      assert.equal(pushesTo(toB.subscription.endpoint).length, 1, "exactly one push to b");
      assert.equal(pushesTo(toA.subscription.endpoint).length, 0, "none to the sender");
      assert.equal(p!.vapid.publicKey, vapidKey);
      assert.match(p!.vapid.sub, /^(mailto:|https:)/);
      assert.deepEqual(p!.payload, {
        kind: "message",
        conversation_id: m.conversation_id,
        conversation_type: kind,
        sender: { id: c.a.id, display_name: c.a.display_name },
        preview: "see you at 8?",
        badge: 1,
        collapse_key: p!.topic,
      });
      assert.match(p!.topic!, /^[A-Za-z0-9_-]{32}$/);
      assert.equal(p!.urgency, "high");
      assert.ok(p!.ttl > 3500 && p!.ttl <= 3600, `TTL ${p!.ttl}`);
      // The badge counts every unread message; the topic is the conversation's.
      await send(c, "a", "hello?");
      const second = (await push.waitForPushes(2))[1]!;
      assert.equal((second.payload as any).badge, 2);
      assert.equal(second.topic, p!.topic);
    });
  }

  it("sends nothing to a user with a device connected, and again once it is gone", async () => {
    const c = await buildConversation(stack.api, "dm");
    const { subscription } = await subscribeWebPush(stack.api, push, c.b.token);
    const socket: ChatClient = await connectAs(stack.url, "groups", c.b.token);
    await sleep(100);
    await clearPushes();
    await send(c, "a", "you are online");
    await quiet();
    assert.equal(pushesTo(subscription.endpoint).length, 0, "online: no push");
    socket.disconnect();
    await waitFor(async () => (await stack.server.app.services.presence.statusOf(c.b.id)).status === "offline", "b offline");
    await send(c, "a", "and now you are not");
    await push.waitForPushes(1);
    assert.equal((pushesTo(subscription.endpoint)[0]!.payload as any).preview, "and now you are not");
  });

  it("keeps the preview out of incognito couple messages", async () => {
    const c = await buildConversation(stack.api, "couple");
    await subscribeWebPush(stack.api, push, c.b.token);
    const socket = await connectAs(stack.url, "couples", c.a.token);
    await requestOk(socket, "change_chat_mode", { chat_id: c.id, mode: "incognito" });
    await clearPushes();
    await requestOk(socket, "send_message", { chat_id: c.id, text: "a secret", client_message_id: "incognito-1" });
    const [p] = await push.waitForPushes(1);
    socket.disconnect();
    assert.equal((p!.payload as any).kind, "message");
    assert.equal((p!.payload as any).preview, undefined);
    assert.ok(!p!.rawText.includes("secret"));
  });

  it("respects a mute, except for a mention", async () => {
    const owner = await buildUser(stack.api);
    const member = await buildUser(stack.api);
    const groupId = await buildGroup(stack.api, owner, [member]);
    const { subscription } = await subscribeWebPush(stack.api, push, member.token);
    assert.equal((await stack.api.put(`/api/messages/${groupId}/mute`, { forever: true }, member.token)).status, 200);
    await clearPushes();
    await stack.api.post(`/api/messages/${groupId}`, { text: "muted chatter" }, owner.token);
    await quiet();
    assert.equal(pushesTo(subscription.endpoint).length, 0, "muted: no push");
    await stack.api.post(`/api/messages/${groupId}`, { text: `@${member.username} look` }, owner.token);
    const [p] = await push.waitForPushes(1);
    assert.equal((p!.payload as any).kind, "mention");
    assert.equal((p!.payload as any).badge, 2, "muted conversations still count");
  });

  it("pushes a reaction to the author, thinking-of-you, a partner request and a group invitation", async () => {
    const { a, b, chatId } = await buildCouple(stack.api);
    const { subscription } = await subscribeWebPush(stack.api, push, b.token);
    const { body: m } = await stack.api.post(`/api/chats/${chatId}/messages`, { text: "my message" }, b.token);
    await clearPushes();
    await stack.api.post(`/api/chats/${chatId}/messages/${m.id}/reactions`, { emoji: "❤️" }, a.token);
    const reaction = (await push.waitForPushes(1))[0]!.payload as any;
    assert.equal(reaction.kind, "reaction");
    assert.equal(reaction.sender.id, a.id);
    assert.match(reaction.preview, /❤️.*my message/);
    // Taking the reaction back pushes nothing.
    await stack.api.post(`/api/chats/${chatId}/messages/${m.id}/reactions`, { emoji: "❤️" }, a.token);
    const socket = await connectAs(stack.url, "couples", a.token);
    await requestOk(socket, "ping_thinking_of_you", { recipient_user_id: b.id });
    socket.disconnect();
    const thinking = (await push.waitForPushes(2))[1]!.payload as any;
    assert.equal(thinking.kind, "thinking_of_you");
    assert.equal(thinking.conversation_id, chatId);

    const c = await buildUser(stack.api);
    const toC = await subscribeWebPush(stack.api, push, c.token);
    await clearPushes();
    assert.equal((await stack.api.post("/api/partners/request", { recipient_id: c.id }, (await buildUser(stack.api)).token)).status, 201);
    const request = (await push.waitForPushes(1))[0]!.payload as any;
    assert.equal(request.kind, "partner_request");
    assert.equal(request.conversation_id, null);
    const groupId = await buildGroup(stack.api, a, []);
    assert.equal((await stack.api.post(`/api/groups/${groupId}/members`, { user_id: c.id }, a.token)).status, 200);
    const invite = (await push.waitForPushes(2))[1]!.payload as any;
    assert.deepEqual([invite.kind, invite.conversation_id, invite.sender.display_name], ["group_invite", groupId, a.display_name]);
    assert.equal(pushesTo(subscription.endpoint).length + pushesTo(toC.subscription.endpoint).length, push.received.length);
    await quiet();
    assert.equal(push.received.length, 2, "nothing for the reaction taken back");
  });

  it("deletes a subscription the push service says is gone (410)", async () => {
    const c = await buildConversation(stack.api, "dm");
    const sub = await subscribeWebPush(stack.api, push, c.b.token);
    push.setBehaviour(sub.subscription.endpoint, { status: 410 });
    const before = await metric("chat_push_subscriptions_pruned_total", 'reason="gone"');
    await send(c, "a", "anyone there?");
    await waitFor(async () => (await stack.api.get("/api/push/subscriptions", c.b.token)).body.subscriptions.length === 0, "the subscription to be deleted");
    assert.equal(await metric("chat_push_subscriptions_pruned_total", 'reason="gone"'), before + 1);
  });

  it("retries a 429 after its Retry-After, then delivers once", async () => {
    const c = await buildConversation(stack.api, "dm");
    const sub = await subscribeWebPush(stack.api, push, c.b.token);
    await clearPushes();
    push.setBehaviour(sub.subscription.endpoint, { status: 429, retryAfterSec: 2, times: 1 });
    const sentAt = Date.now();
    await send(c, "a", "slow down");
    const [p] = await push.waitForPushes(1, 10_000);
    const waited = p!.receivedAt - sentAt;
    assert.ok(waited >= 2000 && waited < 5000, `delivered ${waited} ms after the send`);
    assert.deepEqual(push.attempts.filter((x) => x.endpoint === sub.subscription.endpoint).map((x) => x.status), [429, 201]);
    await quiet();
    assert.equal(push.received.length, 1);
  });

  it("prunes, at push time, a subscription whose login expired", async () => {
    const c = await buildConversation(stack.api, "dm");
    await subscribeWebPush(stack.api, push, c.b.token);
    const sid = JSON.parse(Buffer.from(c.b.token.split(".")[1]!, "base64url").toString()).sid as string;
    await stack.server.app.services.storage.sessions.extendSession(sid, new Date(Date.now() - 1000));
    await clearPushes();
    await send(c, "a", "are you still there?");
    await waitFor(async () => (await stack.server.app.services.storage.pushSubscriptions.ofUser(c.b.id)).length === 0, "the subscription to be pruned");
    assert.equal(push.received.length, 0);
  });

  it("does not slow sends down when the push service hangs", async () => {
    const c = await buildConversation(stack.api, "dm");
    await subscribeWebPush(stack.api, push, c.b.token);
    const timed = async (n: number) => {
      const ms: number[] = [];
      for (let i = 0; i < n; i++) {
        const t = performance.now();
        await send(c, "a", `timed ${i}`);
        ms.push(performance.now() - t);
      }
      return ms.sort((x, y) => x - y)[Math.floor(n / 2)]!;
    };
    const normal = await timed(15);
    push.setBehaviour("*", { hang: true });
    const hanging = await timed(15);
    push.setBehaviour("*", null);
    // A send that waited on the push would take the request timeout (1.5 s); noise on a loaded machine is tens of ms.
    assert.ok(hanging < Math.max(normal * 2, normal + 50), `median send ${hanging.toFixed(1)} ms with a hanging push service, ${normal.toFixed(1)} ms without`);
  });
});
