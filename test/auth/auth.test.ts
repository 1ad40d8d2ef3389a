import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import jwt from "jsonwebtoken";
import { buildUser, uniquePhone } from "../support/factories.ts";
import { TEST_SECRETS } from "../support/server.ts";
import { startStack, type Stack } from "../support/stack.ts";

let stack: Stack;
before(async () => {
  stack = await startStack({ redis: true, env: { LOGIN_MAX_PER_PHONE: "3", LOGIN_MAX_PER_IP: "1000" } });
});
after(() => stack.stop());

describe("register", () => {
  it("returns a bearer token pair and the user", async () => {
    const res = await stack.api.post("/api/auth/register", { phone: uniquePhone(), password: "secret-pass", display_name: "Alice A", username: "alice_reg" });
    assert.equal(res.status, 201);
    assert.equal(res.body.token_type, "bearer");
    assert.ok(res.body.access_token && res.body.refresh_token);
    assert.equal(res.body.user.username, "alice_reg");
    assert.equal(res.body.user.display_name, "Alice A");
    assert.equal(res.body.user.password_hash, undefined);
  });

  it("generates a username when none is given", async () => {
    const res = await stack.api.post("/api/auth/register", { phone: uniquePhone(), password: "secret-pass", display_name: "Zoë Bright" });
    assert.equal(res.status, 201);
    assert.match(res.body.user.username, /^[a-z0-9_]{3,32}$/);
  });

  it("rejects a duplicate phone with 400 naming the field", async () => {
    const phone = uniquePhone();
    await stack.api.post("/api/auth/register", { phone, password: "secret-pass", display_name: "A" });
    const res = await stack.api.post("/api/auth/register", { phone, password: "secret-pass", display_name: "B" });
    assert.equal(res.status, 400);
    assert.equal(res.body.error.code, "validation_error");
    assert.match(res.body.error.message, /phone/);
  });

  it("rejects a duplicate username", async () => {
    await buildUser(stack.api, { username: "dupe_name" });
    const res = await stack.api.post("/api/auth/register", { phone: uniquePhone(), password: "secret-pass", display_name: "B", username: "dupe_name" });
    assert.equal(res.status, 400);
    assert.match(res.body.error.message, /username/);
  });

  it("rejects a password over 72 bytes even when it is under 72 characters", async () => {
    const password = "é".repeat(40); // 40 characters, 80 bytes
    const res = await stack.api.post("/api/auth/register", { phone: uniquePhone(), password, display_name: "Long" });
    assert.equal(res.status, 400);
    assert.match(res.body.error.message, /password: .*72 bytes/);
  });

  it("names every invalid field: missing, wrong type, unknown key", async () => {
    const res = await stack.api.post("/api/auth/register", { phone: "0123", password: 12345678, is_admin: true });
    assert.equal(res.status, 400);
    const fields = res.body.error.details.fields.map((f: { field: string }) => f.field);
    for (const f of ["phone", "password", "display_name"]) assert.ok(fields.includes(f), `${f} in ${fields}`);
    assert.match(res.body.error.message, /is_admin|Unrecognized key/);
  });

  it("rejects malformed JSON and oversized bodies with clear errors", async () => {
    const bad = await stack.api.call("POST", "/api/auth/register", { raw: "{not json" });
    assert.equal(bad.status, 400);
    assert.match(bad.body.error.message, /not valid JSON/);
    const big = await stack.api.post("/api/auth/register", { phone: uniquePhone(), password: "x".repeat(200_000), display_name: "Big" });
    assert.equal(big.status, 413);
    assert.equal(big.body.error.code, "payload_too_large");
  });
});

describe("login", () => {
  it("accepts the OAuth2 password form and JSON", async () => {
    const u = await buildUser(stack.api);
    const form = await stack.api.call("POST", "/api/auth/login", { form: { username: u.phone, password: u.password, grant_type: "password" } });
    assert.equal(form.status, 200);
    assert.equal(form.body.user.id, u.id);
    const json = await stack.api.post("/api/auth/login", { username: u.phone, password: u.password });
    assert.equal(json.status, 200);
  });

  it("answers 401 for a wrong password or unknown phone, with the same message", async () => {
    const u = await buildUser(stack.api);
    const wrong = await stack.api.post("/api/auth/login", { username: u.phone, password: "nope-nope" });
    const unknown = await stack.api.post("/api/auth/login", { username: uniquePhone(), password: "nope-nope" });
    assert.equal(wrong.status, 401);
    assert.equal(unknown.status, 401);
    assert.equal(wrong.body.error.message, unknown.body.error.message);
  });

  it("is rate limited per phone (429 with Retry-After)", async () => {
    const u = await buildUser(stack.api);
    for (let i = 0; i < 3; i++) assert.equal((await stack.api.post("/api/auth/login", { username: u.phone, password: "wrong-pass" })).status, 401);
    const limited = await stack.api.post("/api/auth/login", { username: u.phone, password: u.password });
    assert.equal(limited.status, 429);
    assert.equal(limited.body.error.code, "rate_limited");
    assert.ok(Number(limited.headers.get("retry-after")) > 0);
  });
});

describe("refresh rotation and reuse detection", () => {
  it("rotates: the new pair works, the old refresh token is single-use and its reuse revokes the family", async () => {
    const u = await buildUser(stack.api);
    const first = await stack.api.call("POST", "/api/auth/refresh", { token: u.refresh });
    assert.equal(first.status, 200);
    assert.notEqual(first.body.refresh_token, u.refresh);
    assert.equal((await stack.api.get("/api/users/me", first.body.access_token)).status, 200);

    const reuse = await stack.api.call("POST", "/api/auth/refresh", { token: u.refresh });
    assert.equal(reuse.status, 401);
    assert.equal(reuse.body.error.code, "token_revoked");

    // The whole family is gone: even the newest refresh token no longer works.
    const after = await stack.api.call("POST", "/api/auth/refresh", { token: first.body.refresh_token });
    assert.equal(after.status, 401);
    assert.equal(after.body.error.code, "token_revoked");
  });

  it("treats several concurrent refreshes with the same token as reuse: at most one pair, then the family is revoked", async () => {
    const u = await buildUser(stack.api);
    const results = await Promise.all(Array.from({ length: 8 }, () => stack.api.call("POST", "/api/auth/refresh", { token: u.refresh })));
    const won = results.filter((r) => r.status === 200);
    assert.ok(won.length <= 1, results.map((r) => r.status).join(","));
    assert.ok(results.filter((r) => r.status !== 200).every((r) => r.status === 401 && r.body.error.code === "token_revoked"));
    for (const w of won) assert.equal((await stack.api.call("POST", "/api/auth/refresh", { token: w.body.refresh_token })).status, 401);
  });

  it("keeps other sessions of the same user alive", async () => {
    const u = await buildUser(stack.api);
    const other = await stack.api.post("/api/auth/login", { username: u.phone, password: u.password });
    await stack.api.call("POST", "/api/auth/refresh", { token: u.refresh });
    await stack.api.call("POST", "/api/auth/refresh", { token: u.refresh }); // reuse: revokes u's first session
    const res = await stack.api.call("POST", "/api/auth/refresh", { token: other.body.refresh_token });
    assert.equal(res.status, 200);
  });

  it("refuses an access token as a refresh token and vice versa", async () => {
    const u = await buildUser(stack.api);
    const asRefresh = await stack.api.call("POST", "/api/auth/refresh", { token: u.token });
    assert.equal(asRefresh.status, 401);
    const asAccess = await stack.api.get("/api/users/me", u.refresh);
    assert.equal(asAccess.status, 401);
  });

  it("refuses a missing, forged, expired, wrong-audience or wrong-algorithm token", async () => {
    const u = await buildUser(stack.api);
    assert.equal((await stack.api.call("POST", "/api/auth/refresh")).status, 401);
    const forged = jwt.sign({ typ: "access", sid: "x" }, "not-the-secret", { subject: u.id, issuer: "chat-server", audience: "chat-clients" });
    assert.equal((await stack.api.get("/api/users/me", forged)).status, 401);
    const expired = jwt.sign({ typ: "access", sid: "x", exp: Math.floor(Date.now() / 1000) - 10 }, TEST_SECRETS.access, { subject: u.id, issuer: "chat-server", audience: "chat-clients" });
    const exp = await stack.api.get("/api/users/me", expired);
    assert.equal(exp.status, 401);
    assert.equal(exp.body.error.code, "token_expired");
    const wrongAud = jwt.sign({ typ: "access", sid: "x" }, TEST_SECRETS.access, { subject: u.id, issuer: "chat-server", audience: "someone-else" });
    assert.equal((await stack.api.get("/api/users/me", wrongAud)).status, 401);
    const none = jwt.sign({ typ: "access", sid: "x" }, "", { algorithm: "none", subject: u.id, issuer: "chat-server", audience: "chat-clients" });
    assert.equal((await stack.api.get("/api/users/me", none)).status, 401);
  });
});

describe("logout", () => {
  it("revokes the session's refresh-token family", async () => {
    const u = await buildUser(stack.api);
    const out = await stack.api.call("POST", "/api/auth/logout", { token: u.token });
    assert.equal(out.status, 204);
    const res = await stack.api.call("POST", "/api/auth/refresh", { token: u.refresh });
    assert.equal(res.status, 401);
    assert.equal(res.body.error.code, "token_revoked");
  });
});
