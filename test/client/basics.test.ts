// The SDK against a real server: login, a send that resolves with the stored message and
// shows once, long-polling only, typed emits and error acks, a burst of REST calls with an
// expired access token (one refresh), and the two ways a session ends under a client
// (refresh-token reuse, ended from another device): logged_out, and no reconnecting.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import jwt from "jsonwebtoken";
import { ChatError, type Message } from "../../client/src/index.ts";
import { buildGroup, buildUser } from "../support/factories.ts";
import { startStack, type Stack } from "../support/stack.ts";
import { TEST_SECRETS } from "../support/server.ts";
import { sleep, waitFor } from "../support/wait.ts";
import { clientFor, countingFetch, nextClientEvent } from "./helpers.ts";

let stack: Stack;
before(async () => {
  stack = await startStack();
});
after(() => stack.stop());

/** An access token of the same session as `token`, expired a minute ago. */
function expiredTwin(token: string): string {
  const claims = jwt.decode(token) as { sub: string; sid: string };
  const now = Math.floor(Date.now() / 1000);
  return jwt.sign({ typ: "access", sid: claims.sid, iat: now - 120, exp: now - 60 }, TEST_SECRETS.access, { algorithm: "HS256", issuer: "chat-server", audience: "chat-clients", subject: claims.sub });
}

describe("client SDK basics", () => {
  for (const transports of [undefined, ["polling"] as "polling"[]]) {
    it(`logs in, sends, and each side sees the message once (${transports ? "polling only" : "default transports"})`, async () => {
      const a = await buildUser(stack.api);
      const b = await buildUser(stack.api);
      const groupId = await buildGroup(stack.api, a, [b]);
      const ca = clientFor(stack.url, a, transports ? { transports } : {});
      const cb = clientFor(stack.url, b, transports ? { transports } : {});
      try {
        await Promise.all([ca.ready(), cb.ready()]);
        if (transports) assert.equal(ca.socket("groups")!.io.engine.transport.name, "polling");
        assert.equal(ca.userId, a.id);
        const seenA: Message[] = [];
        const seenB: Message[] = [];
        ca.on("message", (m, info) => info.change === "new" && seenA.push(m));
        cb.on("message", (m, info) => info.change === "new" && seenB.push(m));
        const atB = nextClientEvent(cb, "message", (m) => m.text === "hello");
        const sent = await ca.send("groups", { chat_id: groupId, text: "hello" });
        assert.equal(sent.text, "hello");
        assert.equal(sent.seq, 1);
        assert.equal((await atB)[0].id, sent.id);
        await sleep(200); // the sender's own new_message copy, if any, has come by now
        assert.deepEqual(seenA.map((m) => m.id), [sent.id], "the sender's message event fired once");
        assert.deepEqual(seenB.map((m) => m.id), [sent.id], "the receiver's message event fired once");
        assert.deepEqual(cb.conversation("groups", groupId).messages.map((m) => m.text), ["hello"]);
        assert.equal(ca.outbox().length, 0);
        assert.ok(ca.stats.rawDuplicates + ca.stats.fromAck >= 1);
      } finally {
        ca.close();
        cb.close();
      }
    });
  }

  it("emits typed events: results resolve, error acks reject with their code, refused sends leave the outbox", async () => {
    const a = await buildUser(stack.api);
    const b = await buildUser(stack.api);
    const groupId = await buildGroup(stack.api, a, [b]);
    const ca = clientFor(stack.url, a, { namespaces: ["groups"] });
    const cb = clientFor(stack.url, b, { namespaces: ["groups"] });
    try {
      await Promise.all([ca.ready(), cb.ready()]);
      const m = await ca.send("groups", { chat_id: groupId, text: "first" });
      const edited = await ca.emit("groups", "edit_message", { chat_id: groupId, message_id: m.id, text: "first, edited" });
      assert.equal(edited.message.text, "first, edited");
      assert.equal(ca.conversation("groups", groupId).messages[0]!.text, "first, edited");
      const hb = await ca.emit("groups", "HEARTBEAT", {});
      assert.equal(typeof hb.ts, "string");

      const forbidden = await cb.emit("groups", "edit_message", { chat_id: groupId, message_id: m.id, text: "not mine" }).catch((e: unknown) => e);
      assert.ok(forbidden instanceof ChatError, String(forbidden));
      assert.equal(forbidden.code, "forbidden");
      const notFound = await ca.emit("groups", "mark_read", { chat_id: "000000000000000000000000", seq: 1 }).catch((e: unknown) => e as ChatError);
      assert.ok(notFound instanceof ChatError && ["not_found", "forbidden", "validation_error"].includes(notFound.code), String(notFound));

      const failed = nextClientEvent(ca, "send_failed");
      const refused = await ca.send("groups", { chat_id: groupId, text: "" }).catch((e: unknown) => e as ChatError);
      assert.ok(refused instanceof ChatError);
      assert.equal(refused.code, "validation_error");
      assert.equal((await failed)[0].error.code, "validation_error");
      assert.equal(ca.outbox().length, 0, "a refused send is dropped from the outbox");
    } finally {
      ca.close();
      cb.close();
    }
  });

  it("a burst of REST calls with an expired access token makes exactly one refresh", async () => {
    const a = await buildUser(stack.api);
    // Known expired: the client refreshes before sending.
    const known = countingFetch();
    const c1 = clientFor(stack.url, a, { credentials: undefined, tokens: { access_token: expiredTwin(a.token), refresh_token: a.refresh }, autoConnect: false, fetch: known.fetch });
    const results = await Promise.all(Array.from({ length: 20 }, () => c1.api<{ id: string }>("/api/users/me")));
    assert.ok(results.every((r) => r.id === a.id));
    assert.equal(known.count("/api/auth/refresh"), 1);
    c1.close();

    // Believed valid (expires_at says so), refused by the server: one refresh, twenty retries.
    const b = await buildUser(stack.api);
    const believed = countingFetch();
    const c2 = clientFor(stack.url, b, { credentials: undefined, tokens: { access_token: expiredTwin(b.token), refresh_token: b.refresh, expires_at: Date.now() + 3_600_000 }, autoConnect: false, fetch: believed.fetch });
    const again = await Promise.all(Array.from({ length: 20 }, () => c2.api<{ id: string }>("/api/users/me")));
    assert.ok(again.every((r) => r.id === b.id));
    assert.equal(believed.count("/api/auth/refresh"), 1);
    assert.equal(believed.count("/api/users/me"), 40);
    c2.close();
  });

  it("a reused refresh token revokes the family: logged_out, and no more reconnect attempts", async () => {
    const a = await buildUser(stack.api);
    const c = clientFor(stack.url, a);
    try {
      await c.ready();
      const stolen = c.tokens!.refresh_token!;
      // A thief rotates the client's refresh token, then presents it again: reuse.
      assert.equal((await stack.api.post("/api/auth/refresh", {}, stolen)).status, 200);
      const loggedOut = nextClientEvent(c, "logged_out");
      assert.equal((await stack.api.post("/api/auth/refresh", {}, stolen)).status, 401);
      assert.equal((await loggedOut)[0].reason, "session_revoked");
      let attempts = 0;
      c.socket("groups")!.io.on("reconnect_attempt", () => attempts++);
      await sleep(1500);
      assert.equal(attempts, 0);
      assert.ok(!c.connected("groups") && !c.socket("groups")!.active, "the socket stays down");
      assert.equal(c.tokens, null);
      await assert.rejects(c.send("groups", { chat_id: "x", text: "after" }), (e: ChatError) => e.code === "logged_out");
    } finally {
      c.close();
    }
  });

  it("the client's own refresh with a token someone else used ends the session the same way", async () => {
    const a = await buildUser(stack.api);
    // Someone else rotated this pair first: the client's refresh is then the reuse.
    assert.equal((await stack.api.post("/api/auth/refresh", {}, a.refresh)).status, 200);
    const c = clientFor(stack.url, a, { credentials: undefined, tokens: { access_token: expiredTwin(a.token), refresh_token: a.refresh } });
    try {
      const loggedOut = nextClientEvent(c, "logged_out");
      await assert.rejects(c.ready(), (e: ChatError) => e.code === "logged_out");
      assert.equal((await loggedOut)[0].reason, "session_revoked");
      await assert.rejects(c.api("/api/users/me"), (e: ChatError) => e.code === "logged_out");
    } finally {
      c.close();
    }
  });

  it("ending the session from another device logs the client out", async () => {
    const a = await buildUser(stack.api);
    const c = clientFor(stack.url, a);
    try {
      await c.ready();
      const other = await stack.api.post("/api/auth/login", { username: a.phone, password: a.password });
      const sessions = (await stack.api.get("/api/auth/sessions", other.body.access_token)).body.sessions as { id: string; current: boolean; created_at: string }[];
      const mine = sessions.filter((s) => !s.current);
      const loggedOut = nextClientEvent(c, "logged_out");
      for (const s of mine) await stack.api.del(`/api/auth/sessions/${s.id}`, other.body.access_token);
      assert.equal((await loggedOut)[0].reason, "session_revoked");
      await sleep(500);
      await waitFor(() => !c.connected(), "the sockets to be closed");
      assert.ok(["couples", "groups", "dm"].every((ns) => !c.socket(ns as "dm")!.active));
    } finally {
      c.close();
    }
  });
});

