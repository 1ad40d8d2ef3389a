// FCM HTTP v1 end to end against a local FCM (test/support/fcm-service.ts), which checks the
// OAuth2 JWT bearer grant and the message as Google does: a message to a user with no device
// connected is one FCM message (string data, notification, collapse keys, badge), the access
// token is granted once and reused across sends, a revoked token is replaced on the 401, an
// UNREGISTERED token deletes the subscription, and a 503 is retried.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { buildConversation } from "../support/conversations.ts";
import { startFcmService, type FcmService } from "../support/fcm-service.ts";
import { startStack, type Stack } from "../support/stack.ts";
import { sleep, waitFor } from "../support/wait.ts";
import { fcmToken, pushEnv, pushQueueDrained, subscribeFcm } from "./push-helpers.ts";

let fcm: FcmService;
let stack: Stack;
before(async () => {
  fcm = await startFcmService();
  stack = await startStack({ env: pushEnv(undefined, fcm, { PUSH_TTL_SEC: "600" }) });
});
after(async () => {
  await stack.stop();
  await fcm.stop();
});

const clear = async () => {
  await pushQueueDrained(stack.server.app);
  fcm.clear();
};

describe("FCM delivery", () => {
  it("sends one FCM message per offline device, with string data, the notification, collapse keys and the badge; the access token is reused", async () => {
    const c = await buildConversation(stack.api, "dm");
    const ios = fcmToken();
    const android = fcmToken();
    await subscribeFcm(stack.api, c.b.token, ios, "ios");
    await subscribeFcm(stack.api, c.b.token, android, "android");
    await subscribeFcm(stack.api, c.a.token, fcmToken(), "android"); // the sender's own device
    await clear();
    const { body: m } = await stack.api.post(c.paths.post, { text: "dinner?" }, c.a.token);
    const got = await fcm.waitForMessages(2);
    await sleep(500);
    assert.equal(fcm.received.length, 2, "one per device of b, none to a");
    assert.deepEqual(got.map((x) => x.token).sort(), [ios, android].sort());
    const msg = got[0]!.message;
    assert.deepEqual(Object.keys(msg.data), ["payload"]);
    const payload = JSON.parse(msg.data.payload);
    assert.deepEqual(payload, {
      kind: "message",
      conversation_id: m.conversation_id,
      conversation_type: "dm",
      sender: { id: c.a.id, display_name: c.a.display_name },
      preview: "dinner?",
      badge: 1,
      collapse_key: payload.collapse_key,
    });
    assert.deepEqual(msg.notification, { title: c.a.display_name, body: "dinner?" });
    assert.equal(msg.android.collapse_key, payload.collapse_key);
    assert.equal(msg.apns.headers["apns-collapse-id"], payload.collapse_key);
    assert.equal(msg.apns.payload.aps.badge, 1);
    assert.match(msg.android.ttl, /^(59\d|600)s$/);
    await stack.api.post(c.paths.post, { text: "or lunch" }, c.a.token);
    await stack.api.post(c.paths.post, { text: "or nothing" }, c.a.token);
    await fcm.waitForMessages(6);
    assert.equal(fcm.tokenRequests, 1, "one access token for every send");
    assert.deepEqual(fcm.rejected, []);
  });

  it("gets a new access token when FCM no longer takes the cached one (401), and sends", async () => {
    const c = await buildConversation(stack.api, "dm");
    await subscribeFcm(stack.api, c.b.token, fcmToken(), "android");
    await clear();
    fcm.revokeTokens();
    await stack.api.post(c.paths.post, { text: "still there?" }, c.a.token);
    await fcm.waitForMessages(1);
    assert.equal(fcm.tokenRequests, 1);
  });

  it("deletes a subscription whose token FCM says is UNREGISTERED", async () => {
    const c = await buildConversation(stack.api, "dm");
    const token = fcmToken();
    await subscribeFcm(stack.api, c.b.token, token, "android");
    fcm.setBehaviour(token, { status: 404, fcmError: "UNREGISTERED" });
    await stack.api.post(c.paths.post, { text: "hello?" }, c.a.token);
    await waitFor(async () => (await stack.api.get("/api/push/subscriptions", c.b.token)).body.subscriptions.length === 0, "the subscription to be deleted");
  });

  it("retries a 503 and delivers once", async () => {
    const c = await buildConversation(stack.api, "dm");
    const token = fcmToken();
    await subscribeFcm(stack.api, c.b.token, token, "ios");
    await clear();
    fcm.setBehaviour(token, { status: 503, times: 2 });
    await stack.api.post(c.paths.post, { text: "persistent" }, c.a.token);
    const [got] = await fcm.waitForMessages(1, 10_000);
    assert.equal(got!.token, token);
    await sleep(500);
    assert.equal(fcm.received.length, 1);
  });
});
