// POST /api/auth/password end to end: a wrong current password is a 403 `wrong_password` that
// changes nothing and counts like a failed login (429 once the budget is spent, shared with
// login); the right one stores the new password, ends every other session at once (socket
// told and disconnected, refresh refused) and keeps the caller's; it is in the audit log.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { connectAs, nextEvent } from "../support/clients.ts";
import { buildUser } from "../support/factories.ts";
import { startStack, type Stack } from "../support/stack.ts";

let stack: Stack;
before(async () => {
  stack = await startStack({ env: { LOGIN_MAX_PER_PHONE: "3", LOGIN_DELAY_MAX_MS: "0" } });
});
after(() => stack.stop());

const change = (token: string, current_password: string, new_password: string) => stack.api.post("/api/auth/password", { current_password, new_password }, token);
const login = (phone: string, password: string) => stack.api.post("/api/auth/login", { username: phone, password });

describe("POST /api/auth/password", () => {
  it("with the right current password: the new one works, every other session ends at once, this one stays", async () => {
    const u = await buildUser(stack.api);
    const other = (await login(u.phone, u.password)).body;
    const socket = await connectAs(stack.url, "couples", other.access_token);
    const mine = await connectAs(stack.url, "couples", u.token);
    try {
      const told = nextEvent(socket, "session_ended", () => true, 2000);
      const res = await change(u.token, u.password, "a brand new password");
      assert.deepEqual([res.status, res.body], [200, { sessions_ended: 1 }]);
      assert.deepEqual(await told, { reason: "session_revoked" });
      assert.equal(mine.connected, true, "the caller's socket stays");

      const refused = await stack.api.call("POST", "/api/auth/refresh", { token: other.refresh_token });
      assert.deepEqual([refused.status, refused.body.error.code], [401, "token_revoked"]);
      assert.equal((await stack.api.get("/api/users/me", other.access_token)).status, 401);
      assert.equal((await stack.api.get("/api/users/me", u.token)).status, 200, "the caller's access token still works");
      assert.equal((await stack.api.call("POST", "/api/auth/refresh", { token: u.refresh })).status, 200, "and its refresh token");

      assert.equal((await login(u.phone, u.password)).status, 401, "the old password no longer logs in");
      assert.equal((await login(u.phone, "a brand new password")).status, 200);

      const audit = (await stack.api.get("/api/auth/audit", u.token)).body.events as { type: string; data: Record<string, unknown> }[];
      const changed = audit.find((e) => e.type === "password_changed");
      assert.equal(changed?.data.sessions_ended, 1);
      assert.ok(audit.some((e) => e.type === "session_ended" && e.data.by === "password_change"));
    } finally {
      socket.close();
      mine.close();
    }
  });

  it("refuses a wrong current password with 403 wrong_password and changes nothing", async () => {
    const u = await buildUser(stack.api);
    const other = (await login(u.phone, u.password)).body;
    const res = await change(u.token, "not my password", "a brand new password");
    assert.equal(res.status, 403);
    assert.equal(res.body.error.code, "wrong_password");
    assert.match(res.body.error.message, /current_password/);
    assert.equal((await stack.api.call("POST", "/api/auth/refresh", { token: other.refresh_token })).status, 200, "no session ended");
    assert.equal((await login(u.phone, u.password)).status, 200, "the password is unchanged");
  });

  it("holds the new password to the registration rules, and refuses the same password", async () => {
    const u = await buildUser(stack.api);
    const short = await change(u.token, u.password, "short");
    assert.equal(short.status, 400);
    assert.match(short.body.error.message, /new_password/);
    const long = await change(u.token, u.password, "é".repeat(40));
    assert.equal(long.status, 400, "over 72 bytes");
    const same = await change(u.token, u.password, u.password);
    assert.equal(same.status, 400);
    assert.match(same.body.error.message, /must differ/);
    assert.equal((await stack.api.post("/api/auth/password", { current_password: u.password }, u.token)).status, 400);
    assert.equal((await stack.api.post("/api/auth/password", { current_password: u.password, new_password: "a brand new password" })).status, 401);
  });

  it("is throttled like a login: wrong guesses spend the same budget, and the burst is audited once", async () => {
    const u = await buildUser(stack.api);
    for (let i = 0; i < 3; i++) assert.equal((await change(u.token, `guess number ${i}`, "a brand new password")).status, 403);
    const limited = await change(u.token, u.password, "a brand new password");
    assert.equal(limited.status, 429, "even the right password waits once the budget is spent");
    assert.ok(Number(limited.headers.get("retry-after")) > 0);
    assert.equal((await login(u.phone, u.password)).status, 429, "login shares the budget");
    const audit = (await stack.api.get("/api/auth/audit", u.token)).body.events as { type: string; ip: string }[];
    assert.deepEqual(audit.filter((e) => e.type === "login_failures").map((e) => e.ip), ["127.0.0.1"]);
  });
});
