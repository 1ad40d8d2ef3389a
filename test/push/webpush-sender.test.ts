// The Web Push sender on its own, against the local push service: the SSRF guard holds at
// connection time (a name that resolves to loopback, an IP literal: refused, nothing sent),
// the hard deadline ends a request the service never answers, Retry-After is read, a key
// that is not a P-256 point is "gone", and a good push verifies and decrypts.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import webpush from "web-push";
import type { PushSubscriptionRecord } from "../../src/push/push-subscription.repository.ts";
import type { PushMessage } from "../../src/push/push-sender.ts";
import { webPushSender } from "../../src/push/webpush-sender.ts";
import { startPushService, type PushService } from "../support/push-service.ts";

let push: PushService;
const vapid = webpush.generateVAPIDKeys();
before(async () => {
  push = await startPushService();
  push.expectVapidKey(vapid.publicKey);
});
after(() => push.stop());

const sender = (allowPrivate: boolean, timeoutMs = 2000) => webPushSender({ vapid: async () => vapid, subject: "mailto:ops@example.com", policy: { allowPrivate }, timeoutMs, ca: push.ca });
const record = (endpoint: string, keys: { p256dh: string; auth: string }): PushSubscriptionRecord => ({ id: "s1", user_id: "u", session_id: "x", type: "webpush", address: endpoint, keys, platform: null, created_at: new Date() });
const message: PushMessage = {
  payload: { kind: "message", conversation_id: "c", conversation_type: "dm", sender: { id: "u0", display_name: "Ann" }, preview: "hi", badge: 1, collapse_key: "abcdefghijklmnopqrstuvwxyz012345" },
  ttlSec: 60,
  urgency: "high",
};
const signal = () => new AbortController().signal;

describe("Web Push sender", () => {
  it("refuses, at connection time, a name that resolves to a loopback address, and sends nothing", async () => {
    push.clear();
    const sub = push.newSubscription();
    const s = sender(false);
    const byName = await s.send(record(sub.endpoint.replace("127.0.0.1", "localhost"), sub.keys), message, signal());
    assert.equal(byName.result, "gone");
    assert.match((byName as { reason: string }).reason, /forbidden address/);
    const byLiteral = await s.send(record(sub.endpoint, sub.keys), message, signal());
    assert.equal(byLiteral.result, "gone");
    assert.equal(push.attempts.length, 0, "no request reached the service");
    s.close?.();
  });

  it("delivers with VAPID, aes128gcm, TTL, Topic and Urgency when allowed", async () => {
    push.clear();
    const sub = push.newSubscription({ applicationServerKey: vapid.publicKey });
    const s = sender(true);
    assert.deepEqual(await s.send(record(sub.endpoint, sub.keys), message, signal()), { result: "delivered" });
    const [p] = push.received;
    assert.deepEqual(p!.payload, message.payload);
    assert.equal(p!.ttl, 60);
    assert.equal(p!.topic, message.payload.collapse_key);
    assert.equal(p!.urgency, "high");
    s.close?.();
  });

  it("gives up on a request the service never answers after the deadline: retry", async () => {
    push.clear();
    const sub = push.newSubscription();
    push.setBehaviour(sub.endpoint, { hang: true });
    const s = sender(true, 500);
    const t = Date.now();
    const outcome = await s.send(record(sub.endpoint, sub.keys), message, signal());
    assert.equal(outcome.result, "retry");
    assert.match((outcome as { reason: string }).reason, /timeout/i);
    assert.ok(Date.now() - t < 1500, `${Date.now() - t} ms`);
    s.close?.();
  });

  it("reads Retry-After on a 429, and treats a key that is not a P-256 point as gone", async () => {
    push.clear();
    const sub = push.newSubscription();
    push.setBehaviour(sub.endpoint, { status: 429, retryAfterSec: 3 });
    const s = sender(true);
    const limited = await s.send(record(sub.endpoint, sub.keys), message, signal());
    assert.deepEqual([limited.result, (limited as { retryAfterMs?: number }).retryAfterMs], ["retry", 3000]);
    const bad = await s.send(record(sub.endpoint, { p256dh: "B" + "A".repeat(86), auth: sub.keys.auth }), message, signal());
    assert.equal(bad.result, "gone");
    s.close?.();
  });
});
