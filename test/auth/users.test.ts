import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { buildUser } from "../support/factories.ts";
import { startStack, type Stack } from "../support/stack.ts";

let stack: Stack;
before(async () => {
  stack = await startStack();
});
after(() => stack.stop());

describe("users", () => {
  it("GET /me returns the caller from the token", async () => {
    const u = await buildUser(stack.api);
    const res = await stack.api.get("/api/users/me", u.token);
    assert.equal(res.status, 200);
    assert.equal(res.body.id, u.id);
    assert.equal(res.body.phone, u.phone);
    assert.equal((await stack.api.get("/api/users/me")).status, 401);
  });

  it("PUT /me/profile updates allow-listed fields and refuses unknown keys", async () => {
    const u = await buildUser(stack.api);
    const ok = await stack.api.put("/api/users/me/profile", { display_name: "New Name", mood: "happy", bubble_color: "#aabbcc" }, u.token);
    assert.equal(ok.status, 200);
    assert.equal(ok.body.display_name, "New Name");
    assert.equal(ok.body.mood, "happy");
    const sneaky = await stack.api.put("/api/users/me/profile", { display_name: "X", partner_id: "000000000000000000000000" }, u.token);
    assert.equal(sneaky.status, 400);
    assert.match(sneaky.body.error.message, /partner_id|Unrecognized/);
    const bad = await stack.api.put("/api/users/me/profile", { bubble_color: "red" }, u.token);
    assert.equal(bad.status, 400);
    assert.match(bad.body.error.message, /bubble_color/);
  });

  it("lookup finds by username or phone and refuses operator injection", async () => {
    const u = await buildUser(stack.api, { username: "findme_user" });
    const caller = await buildUser(stack.api);
    const byName = await stack.api.get("/api/users/lookup?username=findme_user", caller.token);
    assert.equal(byName.status, 200);
    assert.equal(byName.body.id, u.id);
    assert.equal(byName.body.phone, undefined, "the public card does not leak the phone");
    const byPhone = await stack.api.get(`/api/users/lookup?phone=${encodeURIComponent(u.phone)}`, caller.token);
    assert.equal(byPhone.body.id, u.id);
    const injected = await stack.api.get("/api/users/lookup?username[$ne]=x", caller.token);
    assert.equal(injected.status, 400);
    const none = await stack.api.get("/api/users/lookup", caller.token);
    assert.equal(none.status, 400);
    assert.equal((await stack.api.get("/api/users/lookup?username=nobody_here", caller.token)).status, 404);
  });

  it("serves the OpenAPI document and the health endpoints", async () => {
    const doc = await stack.api.get("/api/openapi.json");
    assert.equal(doc.status, 200);
    assert.equal(doc.body.openapi, "3.0.3");
    assert.ok(doc.body.paths["/api/auth/login"].post);
    assert.ok(doc.body.paths["/api/users/me/profile"].put);
    assert.equal((await stack.api.get("/healthz")).status, 200);
    const ready = await stack.api.get("/readyz");
    assert.equal(ready.status, 200);
    assert.equal(ready.body.checks.database, "ok");
    assert.equal((await stack.api.get("/api/nothing-here")).status, 404);
  });
});
