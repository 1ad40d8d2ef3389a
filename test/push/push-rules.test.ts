// The push subsystem's rules that need no server: the registration schema (the document's
// pattern is the whole rule), the SSRF guard on addresses and URLs, what an answer from a
// push service means, Retry-After, the backoff, and FCM's error codes.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { checkEndpointUrl, guardedLookup, isForbiddenAddress } from "../../src/push/endpoint-guard.ts";
import { classifyFcm, fcmMessage } from "../../src/push/fcm-sender.ts";
import { collapseKeyOf, messagePreview, PREVIEW_MAX_CHARS } from "../../src/push/push-payload.ts";
import type { FanoutJob, PushJob } from "../../src/push/push-jobs.ts";
import { noPushMetrics } from "../../src/push/push-metrics.ts";
import { classifyStatus } from "../../src/push/push-sender.ts";
import { createPushTriggers } from "../../src/push/push-triggers.ts";
import { createLogger } from "../../src/infra/logger.ts";
import { subscriptionBody } from "../../src/push/push.schemas.ts";
import { parseRetryAfter, retryDelayMs } from "../../src/push/retry-policy.ts";

const P256DH = "B" + "A".repeat(86);
const AUTH = "A".repeat(22);
const web = (endpoint: string, extra: object = {}) => ({ type: "webpush", endpoint, keys: { p256dh: P256DH, auth: AUTH }, ...extra });
const strict = subscriptionBody(false);
const relaxed = subscriptionBody(true);
const fieldsOf = (r: ReturnType<typeof strict.safeParse>) => (r.success ? [] : r.error.issues.map((i) => i.path.join(".")));

describe("registration schema", () => {
  it("takes a browser's PushSubscription.toJSON() and an FCM token", () => {
    assert.ok(strict.safeParse(web("https://fcm.googleapis.com/fcm/send/abc:APA91b-x_y", { expirationTime: null })).success);
    assert.ok(strict.safeParse(web("https://updates.push.services.mozilla.com/wpush/v2/gAAAA")).success);
    assert.ok(strict.safeParse(web("https://web.push.apple.com:443/QGx")).success);
    assert.ok(strict.safeParse({ type: "fcm", token: "dGVzdA:APA91bH" + "x".repeat(140), platform: "ios" }).success);
  });

  it("refuses endpoints that could reach the server's own network, naming the field", () => {
    for (const endpoint of [
      "http://push.example.com/x", // not https
      "https://127.0.0.1/x", // IP literal
      "https://[::1]/x",
      "https://10.0.0.8/x",
      "https://localhost/x", // single label
      "https://metadata/x",
      "https://push.example.com:8443/x", // a port other than 443
      "https://user:pw@push.example.com/x", // credentials
      "https://push.example.com@169.254.169.254/x",
      "https://push.example.com", // no path
      "https://push.example.com/a b",
      `https://push.example.com/${"a".repeat(2048)}`,
      "ftp://push.example.com/x",
    ]) {
      const r = strict.safeParse(web(endpoint));
      assert.equal(r.success, false, endpoint);
      assert.deepEqual(fieldsOf(r), ["endpoint"], endpoint);
    }
  });

  it("refuses malformed keys, tokens, platforms, unknown types and fields, naming each", () => {
    assert.deepEqual(fieldsOf(strict.safeParse({ ...web("https://p.example.com/x"), keys: { p256dh: "short", auth: AUTH } })), ["keys.p256dh"]);
    assert.deepEqual(fieldsOf(strict.safeParse({ ...web("https://p.example.com/x"), keys: { p256dh: P256DH, auth: "A".repeat(23) } })), ["keys.auth"]);
    assert.deepEqual(fieldsOf(strict.safeParse({ ...web("https://p.example.com/x"), extra: 1 })), [""]);
    assert.deepEqual(fieldsOf(strict.safeParse({ type: "fcm", token: "x".repeat(40), platform: "windows" })), ["platform"]);
    assert.deepEqual(fieldsOf(strict.safeParse({ type: "fcm", token: "bad token with spaces and more than 32 chars", platform: "android" })), ["token"]);
    assert.equal(strict.safeParse({ type: "apns", token: "x" }).success, false);
  });

  it("PUSH_ALLOW_PRIVATE_ENDPOINTS (tests only) also takes loopback addresses, ports and http", () => {
    assert.ok(relaxed.safeParse(web("https://127.0.0.1:43123/push/abc")).success);
    assert.ok(relaxed.safeParse(web("http://localhost:8080/push/abc")).success);
    assert.equal(relaxed.safeParse(web("https://u:p@127.0.0.1/x")).success, false);
  });
});

describe("SSRF guard", () => {
  it("forbids private, loopback, link-local, multicast and reserved addresses, mapped ones included", () => {
    for (const a of ["127.0.0.1", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0", "224.0.0.1", "255.255.255.255", "::1", "::", "fe80::1", "fc00::1", "fd12:3456::1", "ff02::1", "::ffff:127.0.0.1", "::ffff:7f00:1", "::ffff:a9fe:a9fe", "64:ff9b::10.0.0.1", "not-an-ip"]) {
      assert.equal(isForbiddenAddress(a), true, a);
    }
    for (const a of ["8.8.8.8", "142.250.74.14", "172.32.0.1", "2607:f8b0:4004:800::200e", "::ffff:8.8.8.8"]) assert.equal(isForbiddenAddress(a), false, a);
  });

  it("checks the URL again at send time: scheme, credentials, IP literals", () => {
    const strictPolicy = { allowPrivate: false };
    assert.throws(() => checkEndpointUrl("http://push.example.com/x", strictPolicy), /https only/);
    assert.throws(() => checkEndpointUrl("https://a:b@push.example.com/x", strictPolicy), /credentials/);
    assert.throws(() => checkEndpointUrl("https://[::ffff:127.0.0.1]/x", strictPolicy), /private/);
    assert.throws(() => checkEndpointUrl("https://169.254.169.254/latest", strictPolicy), /private/);
    assert.equal(checkEndpointUrl("https://push.example.com/x", strictPolicy).hostname, "push.example.com");
    const test = { allowPrivate: true };
    assert.equal(checkEndpointUrl("http://127.0.0.1:9/x", test).port, "9");
    assert.throws(() => checkEndpointUrl("http://192.168.1.1/x", test), /https only/, "http: on loopback only");
  });

  it("refuses, in the connection's own lookup, a name that resolves to a forbidden address (DNS rebinding)", async () => {
    const lookup = (policy: { allowPrivate: boolean }, all: boolean) =>
      new Promise<unknown>((resolve, reject) => guardedLookup(policy)("localhost", { all }, (err, address) => (err ? reject(err) : resolve(address))));
    await assert.rejects(lookup({ allowPrivate: false }, true), { code: "EPUSHFORBIDDEN" });
    await assert.rejects(lookup({ allowPrivate: false }, false), { code: "EPUSHFORBIDDEN" });
    assert.match(String(await lookup({ allowPrivate: true }, false)), /^(127\.0\.0\.1|::1)$/);
    assert.ok(Array.isArray(await lookup({ allowPrivate: true }, true)));
  });
});

describe("what a push service's answer means", () => {
  it("classifies statuses: 2xx delivered, 404/410 gone, 429/5xx/408 retry with Retry-After, other 4xx failed", () => {
    assert.deepEqual(classifyStatus(201, null), { result: "delivered" });
    assert.equal(classifyStatus(410, null).result, "gone");
    assert.equal(classifyStatus(404, null).result, "gone");
    assert.deepEqual(classifyStatus(429, "7"), { result: "retry", reason: "HTTP 429", retryAfterMs: 7000 });
    assert.deepEqual(classifyStatus(503, null), { result: "retry", reason: "HTTP 503" });
    assert.equal(classifyStatus(408, null).result, "retry");
    for (const s of [400, 401, 403, 413]) assert.equal(classifyStatus(s, null).result, "failed", String(s));
  });

  it("reads Retry-After as seconds or an HTTP date, ignoring nonsense", () => {
    const now = Date.parse("2026-01-01T00:00:00Z");
    assert.equal(parseRetryAfter("120", now), 120_000);
    assert.equal(parseRetryAfter("Thu, 01 Jan 2026 00:00:30 GMT", now), 30_000);
    assert.equal(parseRetryAfter("Wed, 31 Dec 2025 00:00:00 GMT", now), 0);
    assert.equal(parseRetryAfter("soon", now), undefined);
    assert.equal(parseRetryAfter("-5", now), undefined);
    assert.equal(parseRetryAfter(undefined, now), undefined);
  });

  it("backs off exponentially with jitter, capped; honours Retry-After as the minimum", () => {
    const policy = { maxAttempts: 5, baseMs: 1000, maxMs: 10_000 };
    assert.equal(retryDelayMs(1, policy, undefined, () => 0), 500);
    assert.equal(retryDelayMs(1, policy, undefined, () => 1), 1000);
    assert.equal(retryDelayMs(3, policy, undefined, () => 1), 4000);
    assert.equal(retryDelayMs(9, policy, undefined, () => 1), 10_000);
    assert.equal(retryDelayMs(1, policy, 3000, () => 0), 3000);
    assert.ok(retryDelayMs(1, policy, 3000, () => 1) <= 3300);
  });

  it("classifies FCM errors by their FcmError code; only a token problem deletes the subscription", () => {
    const err = (status: number, errorCode?: string, field?: string) => ({
      error: { status: "X", message: "m", details: [...(errorCode ? [{ errorCode }] : []), ...(field ? [{ fieldViolations: [{ field }] }] : [])] },
    });
    assert.equal(classifyFcm(404, err(404, "UNREGISTERED"), null).result, "gone");
    assert.equal(classifyFcm(403, err(403, "SENDER_ID_MISMATCH"), null).result, "gone");
    assert.equal(classifyFcm(400, err(400, "INVALID_ARGUMENT", "message.token"), null).result, "gone");
    assert.equal(classifyFcm(400, err(400, "INVALID_ARGUMENT", "message.android.ttl"), null).result, "failed");
    assert.deepEqual(classifyFcm(429, err(429, "QUOTA_EXCEEDED"), "30").result, "retry");
    assert.equal((classifyFcm(429, err(429, "QUOTA_EXCEEDED"), "30") as { retryAfterMs: number }).retryAfterMs, 30_000);
    assert.equal(classifyFcm(503, err(503, "UNAVAILABLE"), null).result, "retry");
  });
});

describe("payload", () => {
  it("has a collapse key of at most 32 base64url characters, one per conversation", () => {
    const k = collapseKeyOf("group:g-1");
    assert.match(k, /^[A-Za-z0-9_-]{1,32}$/);
    assert.equal(k, collapseKeyOf("group:g-1"));
    assert.notEqual(k, collapseKeyOf("group:g-2"));
  });

  it("cuts previews and describes media", () => {
    assert.equal([...messagePreview("x".repeat(500), "text")!].length, PREVIEW_MAX_CHARS);
    assert.equal(messagePreview("", "image"), "📷 Photo");
    assert.equal(messagePreview("  hi\n there ", "text"), "hi there");
  });

  it("makes an FCM message of string data, a notification, collapse keys and the badge", () => {
    const payload = { kind: "message" as const, conversation_id: "c", conversation_type: "dm" as const, sender: { id: "u", display_name: "Ann" }, preview: "hi", badge: 3, collapse_key: "k" };
    const m = fcmMessage({ id: "s", user_id: "u2", session_id: "x", type: "fcm", address: "tok", keys: null, platform: "ios", created_at: new Date() }, { payload, ttlSec: 60, urgency: "high" }, 1000).message;
    assert.deepEqual(m.data, { payload: JSON.stringify(payload) });
    assert.ok(Object.values(m.data).every((v) => typeof v === "string"));
    assert.equal(m.android.collapse_key, "k");
    assert.equal(m.apns.headers["apns-collapse-id"], "k");
    assert.equal(m.apns.payload.aps.badge, 3);
    assert.equal(m.apns.headers["apns-expiration"], "1060");
    assert.deepEqual(m.notification, { title: "Ann", body: "hi" });
  });
});

describe("triggers", () => {
  const ref = { key: "dm:a|b", type: "dm" as const, ns: "dm" as const, publicId: "dm:a|b", memberIds: ["a", "b"], mode: null };
  const msg = (text: string, mode: "normal" | "incognito" | null = null) =>
    ({ id: "m", conversation_id: "dm:a|b", conversation_type: "dm", seq: 1, client_message_id: "c", sender: { id: "a", username: "a", display_name: "Ann", avatar_url: null }, text, kind: "text", media: null, sticker: null, reply_to: null, edited: false, last_edited_at: null, edits: [], deleted: false, deleted_at: null, reactions: {}, mentions: [], mode, created_at: "" }) as never;
  function triggers(includePreview: boolean) {
    const jobs: PushJob[] = [];
    const t = createPushTriggers({ enqueue: async (j) => void jobs.push(...j), includePreview, metrics: noPushMetrics, log: createLogger("silent") });
    return { t, events: () => jobs.map((j) => (j as FanoutJob).event) };
  }

  it("queue one fan-out per event, with the preview cut, none for incognito, none at all with PUSH_INCLUDE_PREVIEW=false", () => {
    const on = triggers(true);
    on.t.message(ref, msg("hello"));
    on.t.message(ref, msg("secret", "incognito"));
    on.t.reaction(ref, { sender_id: "b", text: "my text", kind: "text" }, { id: "a", card: { display_name: "Ann" } }, "👍");
    assert.deepEqual(on.events().map((e) => ("preview" in e ? e.preview : undefined)), ["hello", undefined, "👍 “my text”"]);
    const off = triggers(false);
    off.t.message(ref, msg("hello"));
    off.t.reaction(ref, { sender_id: "b", text: "my text", kind: "text" }, { id: "a", card: { display_name: "Ann" } }, "👍");
    assert.ok(off.events().every((e) => !("preview" in e)), "no text queued");
    assert.ok(!JSON.stringify(off.events()).includes("hello"));
  });

  it("queue nothing for a reaction taken back, a reaction to your own message, or adding yourself", () => {
    const { t, events } = triggers(true);
    t.reaction(ref, { sender_id: "b", text: "x", kind: "text" }, { id: "a", card: { display_name: "Ann" } }, undefined);
    t.reaction(ref, { sender_id: "a", text: "x", kind: "text" }, { id: "a", card: { display_name: "Ann" } }, "👍");
    t.groupInvite("g-1", "a", "a");
    assert.deepEqual(events(), []);
  });
});
