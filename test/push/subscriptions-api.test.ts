// /api/push: registering devices for pushes. A subscription belongs to the login that made
// it (logging out removes it), the same device again is an upsert (200, same id), another
// user's subscription is a 404, each user has at most PUSH_MAX_SUBSCRIPTIONS_PER_USER (the
// least recently registered is replaced), refusals name the field, and the VAPID key needs
// no login and stays the same across restarts of the node (kept in DATA_DIR).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { buildUser, type TestUser } from "../support/factories.ts";
import { startPushService, type PushService } from "../support/push-service.ts";
import { startStack, type Stack } from "../support/stack.ts";
import { waitFor } from "../support/wait.ts";
import { fcmToken, pushEnv, subscribeWebPush } from "./push-helpers.ts";

let push: PushService;
let stack: Stack;
let a: TestUser;
let b: TestUser;
before(async () => {
  push = await startPushService();
  stack = await startStack({ env: pushEnv(push, undefined, { PUSH_MAX_SUBSCRIPTIONS_PER_USER: "3" }) });
  [a, b] = [await buildUser(stack.api), await buildUser(stack.api)];
});
after(async () => {
  await stack.stop();
  await push.stop();
});

describe("push subscriptions API", () => {
  it("serves the VAPID public key without a login, the same each time, generated once into DATA_DIR", async () => {
    const one = await stack.api.get("/api/push/vapid-public-key");
    assert.equal(one.status, 200);
    assert.match(one.body.public_key, /^B[A-Za-z0-9_-]{86}$/);
    assert.deepEqual((await stack.api.get("/api/push/vapid-public-key")).body, one.body);
    const stored = JSON.parse(readFileSync(join(stack.server.dataDir, "vapid-keys.json"), "utf8"));
    assert.equal(stored.publicKey, one.body.public_key);
  });

  it("registers a Web Push subscription (201), and the same device again is an update (200, same id)", async () => {
    const sub = push.newSubscription();
    const first = await stack.api.post("/api/push/subscriptions", { type: "webpush", ...sub, expirationTime: null }, a.token);
    assert.equal(first.status, 201, JSON.stringify(first.body));
    assert.deepEqual(Object.keys(first.body).sort(), ["created_at", "current_session", "endpoint", "id", "platform", "type"]);
    assert.equal(first.body.endpoint, sub.endpoint);
    assert.equal(first.body.current_session, true);
    assert.equal(first.body.platform, null);
    const again = await stack.api.post("/api/push/subscriptions", { type: "webpush", ...sub }, a.token);
    assert.equal(again.status, 200);
    assert.equal(again.body.id, first.body.id);
    const list = await stack.api.get("/api/push/subscriptions", a.token);
    assert.deepEqual(list.body.subscriptions.map((s: any) => s.id), [first.body.id]);
    await stack.api.del(`/api/push/subscriptions/${first.body.id}`, a.token);
  });

  it("registers an FCM token with its platform", async () => {
    const token = fcmToken();
    const res = await stack.api.post("/api/push/subscriptions", { type: "fcm", token, platform: "ios" }, a.token);
    assert.equal(res.status, 201);
    assert.equal(res.body.token, token);
    assert.equal(res.body.platform, "ios");
    assert.equal(res.body.endpoint, undefined);
    await stack.api.del(`/api/push/subscriptions/${res.body.id}`, a.token);
  });

  it("refuses bad input with a 400 naming the field, and anonymous callers with a 401", async () => {
    const sub = push.newSubscription();
    const cases: [unknown, string][] = [
      [{ endpoint: sub.endpoint, keys: sub.keys }, "type"],
      [{ type: "webpush", endpoint: sub.endpoint.replace("https://", "https://user:pw@"), keys: sub.keys }, "endpoint"],
      [{ type: "webpush", endpoint: "file:///etc/passwd", keys: sub.keys }, "endpoint"],
      [{ type: "webpush", endpoint: sub.endpoint, keys: { ...sub.keys, p256dh: "not-a-key" } }, "keys.p256dh"],
      [{ type: "webpush", endpoint: sub.endpoint, keys: { ...sub.keys, auth: "" } }, "keys.auth"],
      [{ type: "webpush", endpoint: sub.endpoint, keys: sub.keys, user_id: b.id }, "body"],
      [{ type: "fcm", token: "short", platform: "android" }, "token"],
      [{ type: "fcm", token: fcmToken(), platform: "symbian" }, "platform"],
    ];
    for (const [body, field] of cases) {
      const res = await stack.api.post("/api/push/subscriptions", body, a.token);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(res.body.error.code, "validation_error");
      const fields = res.body.error.details.fields.map((f: any) => f.field);
      assert.ok(fields.includes(field), `${JSON.stringify(body)}: ${JSON.stringify(fields)} names ${field}`);
    }
    assert.equal((await stack.api.post("/api/push/subscriptions", { type: "webpush", ...sub })).status, 401);
    assert.equal((await stack.api.get("/api/push/subscriptions")).status, 401);
  });

  it("lists and deletes only the caller's own subscriptions: another user's is a 404", async () => {
    const mine = await subscribeWebPush(stack.api, push, a.token);
    const theirs = await subscribeWebPush(stack.api, push, b.token);
    assert.deepEqual((await stack.api.get("/api/push/subscriptions", a.token)).body.subscriptions.map((s: any) => s.id), [mine.id]);
    assert.equal((await stack.api.del(`/api/push/subscriptions/${theirs.id}`, a.token)).status, 404);
    assert.equal((await stack.api.get("/api/push/subscriptions", b.token)).body.subscriptions.length, 1, "still there");
    assert.equal((await stack.api.del(`/api/push/subscriptions/${mine.id}`, a.token)).status, 204);
    assert.equal((await stack.api.del(`/api/push/subscriptions/${mine.id}`, a.token)).status, 404);
    assert.equal((await stack.api.del(`/api/push/subscriptions/nope`, a.token)).status, 400);
    await stack.api.del(`/api/push/subscriptions/${theirs.id}`, b.token);
  });

  it("moves a device registered again by another user to that user", async () => {
    const device = await subscribeWebPush(stack.api, push, a.token);
    const res = await stack.api.post("/api/push/subscriptions", { type: "webpush", ...device.subscription }, b.token);
    assert.equal(res.status, 200);
    assert.equal((await stack.api.get("/api/push/subscriptions", a.token)).body.subscriptions.length, 0);
    assert.deepEqual((await stack.api.get("/api/push/subscriptions", b.token)).body.subscriptions.map((s: any) => s.id), [device.id]);
    await stack.api.del(`/api/push/subscriptions/${device.id}`, b.token);
  });

  it("replaces the least recently registered subscription beyond the per-user cap", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push((await subscribeWebPush(stack.api, push, a.token)).id);
    const left = (await stack.api.get("/api/push/subscriptions", a.token)).body.subscriptions.map((s: any) => s.id);
    assert.deepEqual(left.sort(), ids.slice(1).sort());
    for (const id of left) await stack.api.del(`/api/push/subscriptions/${id}`, a.token);
  });

  it("removes a login's subscriptions when it logs out, and only that login's", async () => {
    const phone = await stack.api.post("/api/auth/login", { username: a.phone, password: a.password });
    assert.equal(phone.status, 200);
    const onPhone = await subscribeWebPush(stack.api, push, phone.body.access_token);
    const onDesk = await subscribeWebPush(stack.api, push, a.token);
    const listed = (await stack.api.get("/api/push/subscriptions", a.token)).body.subscriptions;
    assert.deepEqual(listed.map((s: any) => [s.id, s.current_session]).sort(), [[onDesk.id, true], [onPhone.id, false]].sort());
    assert.equal((await stack.api.post("/api/auth/logout", {}, phone.body.access_token)).status, 204);
    await waitFor(async () => (await stack.api.get("/api/push/subscriptions", a.token)).body.subscriptions.length === 1, "the phone's subscription to go");
    assert.deepEqual((await stack.api.get("/api/push/subscriptions", a.token)).body.subscriptions.map((s: any) => s.id), [onDesk.id]);
    await stack.api.del(`/api/push/subscriptions/${onDesk.id}`, a.token);
  });

  it("documents every route in the OpenAPI document", async () => {
    const doc = (await stack.api.get("/api/openapi.json")).body;
    assert.ok(doc.paths["/api/push/subscriptions"].post.responses["201"]);
    assert.ok(doc.paths["/api/push/subscriptions"].post.responses["200"]);
    assert.ok(doc.paths["/api/push/subscriptions"].get);
    assert.ok(doc.paths["/api/push/subscriptions/{id}"].delete.responses["404"]);
    assert.equal(doc.paths["/api/push/vapid-public-key"].get.security, undefined);
  });
});
