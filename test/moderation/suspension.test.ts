// Suspension over REST and sockets (issue 15): an operator suspends an account; every session
// ends at once (its sockets are told and cut), login and refresh answer 403 account_suspended
// with until, an access token issued before cannot open a socket; lifting restores all of it.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { connectClient, connected, nextEvent } from "../support/clients.ts";
import { connectReady } from "../support/conversations.ts";
import { buildUser, type TestUser } from "../support/factories.ts";
import { startStack, type Stack } from "../support/stack.ts";
import { buildOperator, newOperatorId } from "./operator.ts";

const OPERATOR = newOperatorId();
let stack: Stack;
let operator: TestUser;
before(async () => {
  stack = await startStack({ env: { ADMIN_USER_IDS: OPERATOR } });
  operator = await buildOperator(stack.api, stack.server.app.services.storage, OPERATOR);
});
after(() => stack.stop());

const login = (u: TestUser) => stack.api.post("/api/auth/login", { username: u.phone, password: u.password });
const refresh = (u: TestUser) => stack.api.call("POST", "/api/auth/refresh", { token: u.refresh });
const disconnected = (socket: { once(e: "disconnect", f: (reason: string) => void): unknown }) => new Promise<string>((resolve) => socket.once("disconnect", resolve));

describe("suspending an account", () => {
  it("ends every session at once: each socket is told and cut, the old token is refused everywhere", async () => {
    const u = await buildUser(stack.api);
    const other = (await login(u)).body; // a second device
    const [groups, dm] = [await connectReady(stack.url, "groups", u.token), await connectReady(stack.url, "dm", other.access_token)];
    try {
      const told = [nextEvent(groups, "session_ended"), nextEvent(dm, "session_ended")];
      const gone = [disconnected(groups), disconnected(dm)];
      const until = new Date(Date.now() + 3600_000).toISOString();
      const res = await stack.api.post(`/api/admin/users/${u.id}/suspend`, { until, reason: "fraud" }, operator.token);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.deepEqual(res.body, { user_id: u.id, suspended: true, until, reason: "fraud" });
      assert.deepEqual(await Promise.all(told), [{ reason: "session_revoked" }, { reason: "session_revoked" }]);
      assert.deepEqual(await Promise.all(gone), ["io server disconnect", "io server disconnect"]);

      assert.equal((await stack.api.get("/api/users/me", u.token)).status, 401, "REST refuses the old access token");
      const expected = { code: "account_suspended", message: `This account is suspended until ${until}`, details: { until } };
      for (const attempt of [await login(u), await refresh(u), await stack.api.call("POST", "/api/auth/refresh", { token: other.refresh_token })]) {
        assert.equal(attempt.status, 403);
        assert.deepEqual(attempt.body.error, expected);
      }
      // A socket with an access token issued before the suspension (still unexpired) is refused, saying why.
      const retry = connectClient(stack.url, "groups", u.token);
      try {
        await assert.rejects(connected(retry), (err: Error & { data?: { code?: string } }) => err.data?.code === "account_suspended");
      } finally {
        retry.close();
      }
    } finally {
      groups.close();
      dm.close();
    }
  });

  it("lifting it restores login, refresh of new sessions and sockets", async () => {
    const u = await buildUser(stack.api);
    assert.equal((await stack.api.post(`/api/admin/users/${u.id}/suspend`, { reason: "spam" }, operator.token)).body.until, null, "indefinitely");
    const refused = await login(u);
    assert.deepEqual([refused.status, refused.body.error.details], [403, { until: null }]);
    const lifted = await stack.api.del(`/api/admin/users/${u.id}/suspend`, operator.token);
    assert.deepEqual([lifted.status, lifted.body], [200, { user_id: u.id, suspended: false, until: null, reason: null }]);
    const again = await login(u);
    assert.equal(again.status, 200);
    const socket = await connectReady(stack.url, "groups", again.body.access_token);
    socket.close();
    assert.equal((await stack.api.call("POST", "/api/auth/refresh", { token: again.body.refresh_token })).status, 200);
    assert.equal((await stack.api.del(`/api/admin/users/${u.id}/suspend`, operator.token)).status, 200, "lifting twice is harmless");
  });

  it("only operators suspend and lift; an operator not their own account; the input is checked", async () => {
    const [u, v] = [await buildUser(stack.api), await buildUser(stack.api)];
    assert.equal((await stack.api.post(`/api/admin/users/${v.id}/suspend`, { reason: "x" }, u.token)).status, 403);
    assert.equal((await stack.api.del(`/api/admin/users/${v.id}/suspend`, u.token)).status, 403);
    assert.equal((await stack.api.post(`/api/admin/users/${v.id}/suspend`, { reason: "x" })).status, 401);
    assert.equal((await stack.api.post(`/api/admin/users/${OPERATOR}/suspend`, { reason: "x" }, operator.token)).status, 400);
    assert.equal((await stack.api.post(`/api/admin/users/${"0".repeat(24)}/suspend`, { reason: "x" }, operator.token)).status, 404);
    for (const body of [{}, { reason: "" }, { reason: "x", until: "tomorrow" }, { reason: "x", until: new Date(Date.now() - 60_000).toISOString() }, { reason: "x", extra: 1 }]) {
      const res = await stack.api.post(`/api/admin/users/${v.id}/suspend`, body, operator.token);
      assert.equal(res.status, 400, `${JSON.stringify(body)}: ${JSON.stringify(res.body)}`);
    }
    assert.equal((await login(v)).status, 200, "nothing was suspended");
  });
});
