// A socket does not outlive its access token: it presents a fresh one of the same session
// (the `auth` event) or the server ends it with `session_ended {reason: "token_expired"}`.
// A logout ends the session's open sockets at once, and REST refuses its access token.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import jwt from "jsonwebtoken";
import { connectAs, nextEvent, requestError, requestOk } from "../support/clients.ts";
import { buildUser } from "../support/factories.ts";
import { startStack, type Stack } from "../support/stack.ts";
import { waitFor } from "../support/wait.ts";

let stack: Stack;
before(async () => {
  stack = await startStack({ env: { ACCESS_TOKEN_TTL_SEC: "3" } });
});
after(() => stack.stop());

const disconnected = (socket: { once(e: "disconnect", f: (reason: string) => void): unknown }) => new Promise<string>((resolve) => socket.once("disconnect", resolve));

describe("sockets and the life of their access token", () => {
  it("a socket whose token expired is told and disconnected; one that sent a fresh token stays", async () => {
    const u = await buildUser(stack.api);
    const [stale, renewed] = [await connectAs(stack.url, "dm", u.token), await connectAs(stack.url, "dm", u.token)];
    try {
      // A token's expiry is in whole seconds: refresh once the clock is past the second the
      // first token was issued in, so the fresh one expires later.
      const issued = jwt.decode(u.token, { json: true })?.iat;
      assert.ok(typeof issued === "number", "the access token carries iat");
      await waitFor(() => Date.now() >= (issued + 1) * 1000, "the second after the token was issued", 2000);
      const refreshed = await stack.api.call("POST", "/api/auth/refresh", { token: u.refresh });
      assert.equal(refreshed.status, 200);
      await requestOk(renewed, "auth", { token: refreshed.body.access_token });
      const ended = nextEvent(stale, "session_ended", () => true, 15_000);
      const gone = disconnected(stale);
      assert.deepEqual(await ended, { reason: "token_expired" });
      assert.equal(await gone, "io server disconnect");
      assert.equal(renewed.connected, true, "the socket with a fresh token is still connected");
      await requestOk(renewed, "HEARTBEAT", {});
    } finally {
      stale.close();
      renewed.close();
    }
  });

  it("refuses a token of another user or session in the auth event", async () => {
    const [u, other] = [await buildUser(stack.api), await buildUser(stack.api)];
    const s = await connectAs(stack.url, "dm", u.token);
    try {
      const error = await requestError(s, "auth", { token: other.token });
      assert.equal(error.code, "forbidden");
      await requestError(s, "auth", { token: "not-a-jwt" });
    } finally {
      s.close();
    }
  });

  it("a logout ends the session's open sockets at once and its access token on REST", async () => {
    const u = await buildUser(stack.api);
    const sockets = [await connectAs(stack.url, "dm", u.token), await connectAs(stack.url, "groups", u.token, ["polling"])];
    const other = await stack.api.post("/api/auth/login", { username: u.phone, password: u.password });
    const otherSocket = await connectAs(stack.url, "dm", other.body.access_token);
    try {
      const ended = sockets.map((s) => nextEvent(s, "session_ended"));
      const gone = sockets.map(disconnected);
      assert.equal((await stack.api.post("/api/auth/logout", {}, u.token)).status, 204);
      for (const e of await Promise.all(ended)) assert.deepEqual(e, { reason: "session_revoked" });
      assert.deepEqual(await Promise.all(gone), ["io server disconnect", "io server disconnect"]);
      const me = await stack.api.get("/api/users/me", u.token);
      assert.equal(me.status, 401);
      assert.equal(me.body.error.code, "token_revoked");
      assert.equal(otherSocket.connected, true, "another login of the same user is not affected");
      assert.equal((await stack.api.get("/api/users/me", other.body.access_token)).status, 200);
    } finally {
      sockets.forEach((s) => s.close());
      otherSocket.close();
    }
  });
});
