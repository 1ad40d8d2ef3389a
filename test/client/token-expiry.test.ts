// Short-lived access tokens (3 s here): the client refreshes before expiry and hands the
// new token to its live sockets (the `auth` event), so they outlive many token lifetimes;
// a client that cannot refresh is told when the server ends its socket (logged_out).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { buildGroup, buildUser } from "../support/factories.ts";
import { startStack, type Stack } from "../support/stack.ts";
import { sleep } from "../support/wait.ts";
import { clientFor, nextClientEvent } from "./helpers.ts";

const TTL_SEC = 3;
let stack: Stack;
before(async () => {
  stack = await startStack({ env: { ACCESS_TOKEN_TTL_SEC: String(TTL_SEC) } });
});
after(() => stack.stop());

describe("client SDK with short-lived access tokens", () => {
  it("refreshes before expiry and keeps its sockets connected across several lifetimes", async () => {
    const a = await buildUser(stack.api);
    const b = await buildUser(stack.api);
    const groupId = await buildGroup(stack.api, a, [b]);
    const cb = clientFor(stack.url, b, { namespaces: ["groups"] });
    try {
      await cb.ready();
      const socketId = cb.socket("groups")!.id;
      let drops = 0;
      cb.on("disconnected", () => drops++);
      await sleep(TTL_SEC * 1000 * 2.5);
      assert.equal(drops, 0, "no socket was ended for an expired token");
      assert.equal(cb.socket("groups")!.id, socketId);
      assert.ok(cb.stats.refreshes >= 2, `refreshes: ${cb.stats.refreshes}`);
      const got = nextClientEvent(cb, "message", (m) => m.text === "still here");
      await stack.api.post(`/api/messages/${groupId}`, { text: "still here" }, (await stack.api.post("/api/auth/login", { username: a.phone, password: a.password })).body.access_token);
      await got;
      assert.equal((await cb.api<{ id: string }>("/api/users/me")).id, b.id);
    } finally {
      cb.close();
    }
  });

  it("without a refresh token, the end of the token is the end of the session", async () => {
    const a = await buildUser(stack.api);
    const c = clientFor(stack.url, a, { namespaces: ["dm"], credentials: undefined, tokens: { access_token: a.token } });
    try {
      await c.ready();
      const [info] = await nextClientEvent(c, "logged_out", () => true, TTL_SEC * 1000 + 5000);
      assert.equal(info.reason, "no_refresh_token");
      await sleep(500);
      assert.ok(!c.socket("dm")!.active, "no reconnecting without a token");
    } finally {
      c.close();
    }
  });
});
