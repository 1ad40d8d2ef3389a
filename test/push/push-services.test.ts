// The push stand-ins (test/support/push-service.ts, fcm-service.ts) checked against the real
// web-push library and a jsonwebtoken-signed OAuth2 grant: what they accept is what a browser
// or FCM would, what they refuse they record, and their failure behaviours answer as promised.
import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import https from "node:https";
import { after, before, beforeEach, describe, test } from "node:test";
import jwt from "jsonwebtoken";
import webpush, { WebPushError, type RequestOptions } from "web-push";
import { FCM_SCOPE, startFcmService, type FcmService } from "../support/fcm-service.ts";
import { startPushService, type PushService } from "../support/push-service.ts";

async function failure(p: Promise<unknown>): Promise<any> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  assert.fail("expected a rejection");
}

describe("Web Push stand-in, fed by web-push 3.6.7", () => {
  let svc: PushService;
  const vapid = webpush.generateVAPIDKeys();
  const other = webpush.generateVAPIDKeys();
  const subject = "mailto:ops@chat.example";
  let opts: RequestOptions;
  before(async () => {
    svc = await startPushService();
    opts = { vapidDetails: { subject, ...vapid }, TTL: 60, agent: svc.agent };
  });
  after(() => svc.stop());
  beforeEach(() => {
    svc.clear();
    svc.expectVapidKey(null);
  });

  /** The request web-push would send, sent by hand with the headers and body changed. */
  function sendRaw(sub: webpush.PushSubscription, change: (h: Record<string, unknown>, body: Buffer) => Buffer) {
    const details = webpush.generateRequestDetails(sub, "hello", opts);
    const headers = { ...details.headers } as Record<string, unknown>;
    const body = change(headers, Buffer.from(details.body));
    return new Promise<number>((resolve, reject) => {
      const req = https.request(details.endpoint, { method: "POST", headers: headers as Record<string, string>, agent: svc.agent }, (res) => {
        res.resume().on("end", () => resolve(res.statusCode!));
      });
      req.on("error", reject).end(body);
    });
  }

  test("a push is accepted, decrypts to what was sent, and is recorded with its headers and VAPID claims", async () => {
    const sub = svc.newSubscription({ applicationServerKey: vapid.publicKey });
    const payload = { type: "message", conversationId: "c1", preview: "hi" };
    const res = await webpush.sendNotification(sub, JSON.stringify(payload), { ...opts, topic: "conv-c1", urgency: "high" });
    assert.equal(res.statusCode, 201);
    assert.match(String(res.headers.location), new RegExp(`^${svc.url}/message/`));
    const [push] = await svc.waitForPushes(1);
    assert.deepEqual(push!.payload, payload);
    assert.equal(push!.endpoint, sub.endpoint);
    assert.equal(push!.ttl, 60);
    assert.equal(push!.topic, "conv-c1");
    assert.equal(push!.urgency, "high");
    assert.equal(push!.vapid.aud, svc.url);
    assert.equal(push!.vapid.sub, subject);
    assert.equal(push!.vapid.publicKey, vapid.publicKey);
    assert.ok(push!.vapid.exp > Date.now() / 1000 && push!.vapid.exp <= Date.now() / 1000 + 86_400);
    assert.deepEqual(svc.rejected, []);
  });

  test("non-ASCII text and a payload at the 4096-octet body limit decrypt exactly; one octet more is 413", async () => {
    const sub = svc.newSubscription();
    const text = "Привет 👋 مرحبا 你好 — ünïcödé \u0000 tail";
    await webpush.sendNotification(sub, text, opts);
    // 4096 = 86 (salt, rs, idlen, sender key) + 3993 payload + 1 delimiter + 16 tag
    const big = "é".repeat(1996) + "x"; // 3993 octets
    await webpush.sendNotification(sub, big, opts);
    const pushes = await svc.waitForPushes(2);
    assert.equal(pushes[0]!.rawText, text);
    assert.equal(pushes[0]!.payload, text);
    assert.equal(pushes[1]!.rawText, big);
    const err = await failure(webpush.sendNotification(sub, big + "x", opts));
    assert.ok(err instanceof WebPushError);
    assert.equal(err.statusCode, 413);
    assert.equal(svc.rejected.length, 1);
  });

  test("a push signed by another VAPID key than the pinned one is refused with 403", async () => {
    const pinnedBySub = svc.newSubscription({ applicationServerKey: vapid.publicKey });
    const err = await failure(webpush.sendNotification(pinnedBySub, "x", { ...opts, vapidDetails: { subject, ...other } }));
    assert.equal(err.statusCode, 403);
    svc.expectVapidKey(vapid.publicKey);
    const sub = svc.newSubscription();
    assert.equal((await failure(webpush.sendNotification(sub, "x", { ...opts, vapidDetails: { subject, ...other } }))).statusCode, 403);
    await webpush.sendNotification(sub, "x", opts);
    assert.equal(svc.received.length, 1);
    assert.deepEqual(svc.rejected.map((r) => r.status), [403, 403]);
    assert.match(svc.rejected[0]!.reason, /application server key/);
  });

  test("a tampered body, a payload for another subscription, a missing TTL and a bad VAPID JWT are refused", async () => {
    const sub = svc.newSubscription();
    assert.equal(await sendRaw(sub, (_h, body) => (body[body.length - 20]! ^= 1, body)), 400);
    const stranger = svc.newSubscription();
    const forStranger = webpush.generateRequestDetails(stranger, "hello", opts).body;
    assert.equal(await sendRaw(sub, () => Buffer.from(forStranger)), 400);
    assert.equal(await sendRaw(sub, (h, body) => (delete h.TTL, body)), 400);
    const elsewhere = webpush.getVapidHeaders("https://push.example.net", subject, vapid.publicKey, vapid.privateKey, "aes128gcm");
    assert.equal(await sendRaw(sub, (h, body) => ((h.Authorization = elsewhere.Authorization), body)), 401);
    const expired = webpush.getVapidHeaders(svc.url, subject, vapid.publicKey, vapid.privateKey, "aes128gcm", Math.floor(Date.now() / 1000) - 60);
    assert.equal(await sendRaw(sub, (h, body) => ((h.Authorization = expired.Authorization), body)), 401);
    const forged = expired.Authorization.replace(/k=.*$/, `k=${other.publicKey}`);
    assert.equal(await sendRaw(sub, (h, body) => ((h.Authorization = forged), body)), 401);
    const reasons = svc.rejected.map((r) => r.reason);
    assert.match(reasons[0]!, /does not decrypt/);
    assert.match(reasons[1]!, /does not decrypt/);
    assert.match(reasons[2]!, /TTL/);
    assert.match(reasons[3]!, /aud/);
    assert.match(reasons[4]!, /exp/);
    assert.match(reasons[5]!, /signature/);
    assert.equal(svc.received.length, 0);
  });

  test("behaviours: 410 gone, 429 with Retry-After then accepted, 503, a hang and a dropped connection", async () => {
    const gone = svc.newSubscription();
    svc.setBehaviour(gone.endpoint, { status: 410 });
    assert.equal((await failure(webpush.sendNotification(gone, "x", opts))).statusCode, 410);

    const limited = svc.newSubscription();
    svc.setBehaviour(limited.endpoint, { status: 429, retryAfterSec: 7, times: 1 });
    const err = await failure(webpush.sendNotification(limited, "x", opts));
    assert.equal(err.statusCode, 429);
    assert.equal(err.headers["retry-after"], "7");
    assert.equal((await webpush.sendNotification(limited, "x", opts)).statusCode, 201);

    svc.setBehaviour("*", { status: 503, times: 2 });
    const any = svc.newSubscription();
    assert.equal((await failure(webpush.sendNotification(any, "x", opts))).statusCode, 503);
    assert.equal((await failure(webpush.sendNotification(any, "x", opts))).statusCode, 503);
    await webpush.sendNotification(any, "x", opts);

    const hung = svc.newSubscription();
    svc.setBehaviour(hung.endpoint, { hang: true });
    assert.match((await failure(webpush.sendNotification(hung, "x", { ...opts, timeout: 200 }))).message, /timeout/i);
    const down = svc.newSubscription();
    svc.setBehaviour(down.endpoint, { down: true });
    assert.match((await failure(webpush.sendNotification(down, "x", opts))).code, /ECONNRESET|EPIPE/);

    assert.equal(svc.received.length, 2);
    assert.deepEqual(svc.rejected, []);
    assert.deepEqual(svc.attempts.map((a) => a.status), [410, 429, 201, 503, 503, 201, 0, 0]);
    await assert.rejects(svc.waitForPushes(3, 50), /timed out after 50 ms waiting for 3, got 2/);
  });
});

describe("FCM HTTP v1 stand-in", () => {
  let fcm: FcmService;
  before(async () => (fcm = await startFcmService()));
  after(() => fcm.stop());
  beforeEach(() => fcm.clear());

  const assertion = (key = fcm.serviceAccount.private_key, claims: object = {}) =>
    jwt.sign(
      { iss: fcm.serviceAccount.client_email, scope: FCM_SCOPE, aud: fcm.serviceAccount.token_uri, exp: Math.floor(Date.now() / 1000) + 3600, ...claims },
      key,
      { algorithm: "RS256", keyid: fcm.serviceAccount.private_key_id },
    );
  const token = (a: string) =>
    fetch(fcm.serviceAccount.token_uri, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ grant_type: "urn:ietf:params:oauth:grant-type:jwt-bearer", assertion: a }),
    });
  const send = (accessToken: string | undefined, message: object, signal?: AbortSignal) =>
    fetch(`${fcm.apiUrl}/v1/projects/${fcm.serviceAccount.project_id}/messages:send`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(accessToken ? { authorization: `Bearer ${accessToken}` } : {}) },
      body: JSON.stringify({ message }),
      ...(signal ? { signal } : {}),
    });
  async function accessToken() {
    const res = await token(assertion());
    assert.equal(res.status, 200);
    const body: any = await res.json();
    assert.equal(body.token_type, "Bearer");
    assert.equal(body.expires_in, 3600);
    return body.access_token as string;
  }

  test("a service-account JWT buys an access token, and a well-formed message is accepted and recorded", async () => {
    const bearer = await accessToken();
    const message = {
      token: "device-1",
      data: { kind: "message", conversationId: "c1" },
      notification: { title: "Alice", body: "hi" },
      android: { collapse_key: "c1", priority: "high", ttl: "3600s" },
      apns: { headers: { "apns-collapse-id": "c1", "apns-priority": "10" }, payload: { aps: { badge: 3 } } },
    };
    const res = await send(bearer, message);
    assert.equal(res.status, 200);
    const { name }: any = await res.json();
    assert.match(name, new RegExp(`^projects/${fcm.serviceAccount.project_id}/messages/\\d+$`));
    const [got] = await fcm.waitForMessages(1);
    assert.deepEqual(got!.message, message);
    assert.equal(got!.name, name);
    assert.equal(fcm.tokenRequests, 1);
    assert.deepEqual(fcm.rejected, []);
  });

  test("a wrong signature, a wrong audience, a missing scope and a too-long lifetime get no token", async () => {
    const stranger = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs8", format: "pem" }) as string;
    const cases: [string, RegExp][] = [
      [assertion(stranger), /Invalid JWT Signature/],
      [assertion(undefined, { aud: "https://oauth2.googleapis.com/token" }), /audience/],
      [assertion(undefined, { scope: "https://www.googleapis.com/auth/cloud-platform" }), /invalid_scope/],
      [assertion(undefined, { exp: Math.floor(Date.now() / 1000) + 7200 }), /short-lived/],
    ];
    for (const [a, why] of cases) {
      const res = await token(a);
      assert.equal(res.status, 400);
      const body: any = await res.json();
      assert.match(`${body.error}: ${body.error_description}`, why);
    }
    assert.equal(fcm.tokenRequests, 4);
  });

  test("a missing or unknown bearer is 401, a non-string data value or an unknown field is 400 INVALID_ARGUMENT", async () => {
    const bearer = await accessToken();
    const noBearer = await send(undefined, { token: "d" });
    assert.equal(noBearer.status, 401);
    assert.equal(((await noBearer.json()) as any).error.status, "UNAUTHENTICATED");
    assert.equal((await send("ya29.forged", { token: "d" })).status, 401);
    const nonString = await send(bearer, { token: "d", data: { unread: 3 } });
    assert.equal(nonString.status, 400);
    const body: any = await nonString.json();
    assert.equal(body.error.status, "INVALID_ARGUMENT");
    assert.equal(body.error.details[0].fieldViolations[0].field, "message.data[0].value");
    assert.equal((await send(bearer, { token: "d", priority: "high" })).status, 400);
    assert.equal((await send(bearer, { token: "d", android: { ttl: 3600 } })).status, 400);
    assert.equal((await send(bearer, { token: "d", data: { from: "x" } })).status, 400);
    fcm.revokeTokens();
    assert.equal((await send(bearer, { token: "d" })).status, 401);
    assert.deepEqual(fcm.rejected.map((r) => r.status), [401, 401, 400, 400, 400, 400, 401]);
    assert.equal(fcm.received.length, 0);
  });

  test("behaviours: UNREGISTERED 404, 429 with Retry-After, 503 then accepted, a hang", async () => {
    const bearer = await accessToken();
    fcm.setBehaviour("gone", { status: 404, fcmError: "UNREGISTERED" });
    const gone = await send(bearer, { token: "gone" });
    assert.equal(gone.status, 404);
    assert.deepEqual(await gone.json(), {
      error: {
        code: 404,
        message: "Requested entity was not found.",
        status: "NOT_FOUND",
        details: [{ "@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError", errorCode: "UNREGISTERED" }],
      },
    });
    fcm.setBehaviour("busy", { status: 429, retryAfterSec: 5, times: 1 });
    const busy = await send(bearer, { token: "busy" });
    assert.equal(busy.status, 429);
    assert.equal(busy.headers.get("retry-after"), "5");
    assert.equal(((await busy.json()) as any).error.status, "RESOURCE_EXHAUSTED");
    fcm.setBehaviour("*", { status: 503, times: 1 });
    assert.equal((await send(bearer, { token: "busy" })).status, 503);
    assert.equal((await send(bearer, { token: "busy" })).status, 200);
    fcm.setBehaviour("stuck", { hang: true });
    await assert.rejects(send(bearer, { token: "stuck" }, AbortSignal.timeout(200)), { name: "TimeoutError" });
    assert.equal(fcm.received.length, 1);
    assert.deepEqual(fcm.rejected, []);
    assert.equal(fcm.tokenRequests, 1);
  });
});
