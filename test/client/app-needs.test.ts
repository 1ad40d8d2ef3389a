// What every app needed and the web client's port found missing (docs/WEB-CLIENT.md), now
// the SDK's, on a real server: a snapshot of the unread counts that does not hide a newer
// update, a store shared with another user's client, a pending send already stored, big
// groups' unread counts, raw REST answers, typists' names, the resync's reread, loading flags.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ChatError, memoryStore, newClientMessageId, UNREAD_FANOUT_MAX_MEMBERS, type ChatClient, type Message } from "../../client/src/index.ts";
import { buildGroup, buildUser, type TestUser } from "../support/factories.ts";
import { startStack, type Stack } from "../support/stack.ts";
import { sleep, waitFor } from "../support/wait.ts";
import { clientFor, nextClientEvent } from "./helpers.ts";
import { startTcpProxy, type TcpProxy } from "./tcp-proxy.ts";

const CSR_MAX_DISCONNECTION_MS = 500;
let stack: Stack;
let proxy: TcpProxy;
before(async () => {
  stack = await startStack({ env: { CSR_MAX_DISCONNECTION_MS: String(CSR_MAX_DISCONNECTION_MS) } });
  proxy = await startTcpProxy(stack.url);
});
after(async () => {
  await proxy.close();
  await stack.stop();
});

async function post(user: TestUser, groupId: string, text: string, extra: Record<string, unknown> = {}): Promise<Message> {
  const res = await stack.api.post(`/api/messages/${groupId}`, { text, ...extra }, user.token);
  assert.ok(res.status === 201 || res.status === 200, JSON.stringify(res.body));
  return res.body;
}

/** A fetch that answers the first request to `path` with 401 token_expired (as an access token that expired early would be). */
function expiringOnce(path: string): typeof fetch {
  let done = false;
  return (input, init) => {
    const url = new URL(typeof input === "string" ? input : input instanceof URL ? input.href : input.url);
    if (!done && url.pathname === path) {
      done = true;
      return Promise.resolve(new Response(JSON.stringify({ error: { code: "token_expired", message: "expired" } }), { status: 401, headers: { "content-type": "application/json" } }));
    }
    return fetch(input, init);
  };
}

const texts = (ms: readonly Message[]) => ms.map((m) => (m.deleted ? "(deleted)" : m.text));

describe("client SDK: what apps need", () => {
  it("refreshUnread re-applies the unread_update that arrived while GET /api/unread was out", async () => {
    const a = await buildUser(stack.api);
    const b = await buildUser(stack.api);
    const groupId = await buildGroup(stack.api, a, [b]);
    let hold: (() => void) | null = null;
    let answered: (() => void) | null = null;
    const snapshotRead = new Promise<void>((r) => (answered = r));
    const slowUnread: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      if (!String(input).includes("/api/unread")) return res;
      answered?.();
      await new Promise<void>((r) => (hold = r)); // the answer (an older count) waits here
      return res;
    };
    const cb = clientFor(stack.url, b, { namespaces: ["groups"], trackUnread: false, fetch: slowUnread });
    try {
      await cb.ready();
      const view = cb.conversation("groups", groupId);
      await post(a, groupId, "1");
      await waitFor(() => view.unread === 1, "the first update");
      const refreshed = cb.refreshUnread();
      await snapshotRead; // the server answered "1 unread"
      await post(a, groupId, "2");
      await waitFor(() => view.unread === 2, "the second update, while the snapshot is out");
      (hold as unknown as () => void)();
      await refreshed;
      assert.equal(view.unread, 2, "the older snapshot does not hide the newer update");
      assert.equal(cb.unreadTotal, 2);
    } finally {
      cb.close();
    }
  });

  it("a refresh does not adopt a pair that another user's client stored: logged_out user_changed", async () => {
    const a = await buildUser(stack.api);
    const b = await buildUser(stack.api);
    const store = memoryStore(); // one localStorage, two tabs
    const ca = clientFor(stack.url, a, { store, autoConnect: false, fetch: expiringOnce("/api/users/me") });
    const cb = clientFor(stack.url, b, { store, autoConnect: false });
    try {
      await ca.api("/api/auth/sessions"); // a logs in in one tab
      assert.equal(ca.userId, a.id);
      await cb.api("/api/auth/sessions"); // b logs in in the other tab: the store now holds b's pair
      const out = nextClientEvent(ca, "logged_out");
      await assert.rejects(ca.api("/api/users/me"), (e: ChatError) => e.code === "logged_out");
      assert.equal((await out)[0].reason, "user_changed");
      assert.equal(ca.tokens, null);
      assert.equal((store.get("auth") as { user_id: string }).user_id, b.id, "b's pair stays in the store");
      // A client started from the store now is b's.
      const next = clientFor(stack.url, b, { store, autoConnect: false, credentials: undefined });
      assert.equal((await next.api<{ id: string }>("/api/users/me")).id, b.id);
      next.close();
    } finally {
      ca.close();
      cb.close();
    }
  });

  it("view.pending leaves out a send whose message the view holds (stored, ack lost)", async () => {
    const a = await buildUser(stack.api);
    const b = await buildUser(stack.api);
    const groupId = await buildGroup(stack.api, a, [b]);
    const cmid = newClientMessageId();
    // The send reached the server, but the client never saw the ack: it is still in the outbox.
    await post(b, groupId, "sent once", { client_message_id: cmid });
    const entry = { client_message_id: cmid, ns: "groups", chat_id: groupId, payload: { chat_id: groupId, client_message_id: cmid, text: "sent once" }, user_id: b.id, created_at: new Date().toISOString(), attempts: 1 };
    const store = memoryStore({ outbox: [entry] });
    const cb = clientFor(stack.url, b, { namespaces: ["groups"], store, autoConnect: false });
    try {
      const view = cb.conversation("groups", groupId);
      await cb.api("/api/users/me");
      assert.equal(view.pending.length, 1, "pending until the view holds its message");
      await view.loadLatest();
      assert.deepEqual(texts(view.messages), ["sent once"]);
      assert.deepEqual(view.pending, [], "shown once, as the message");
      assert.equal(cb.outbox().length, 1, "still to be acknowledged");
      await cb.connect();
      await waitFor(() => cb.outbox().length === 0, "the resend's ack");
      const history = await stack.api.get(`/api/messages/${groupId}/latest`, b.token);
      assert.equal(history.body.messages.length, 1, "stored once");
    } finally {
      cb.close();
    }
  });

  it(`counts the new messages of a group above ${UNREAD_FANOUT_MAX_MEMBERS} members itself`, async () => {
    const a = await buildUser(stack.api);
    const b = await buildUser(stack.api);
    const others: TestUser[] = [];
    for (let i = 0; i < UNREAD_FANOUT_MAX_MEMBERS; i++) others.push(await buildUser(stack.api));
    const groupId = await buildGroup(stack.api, a, [b, ...others]);
    const small = await buildGroup(stack.api, a, [b]);
    const cb = clientFor(stack.url, b, { namespaces: ["groups"] });
    const updates: string[] = [];
    cb.on("unread_update", (u) => updates.push(u.conversation_id));
    try {
      await cb.ready();
      await cb.settled();
      const view = cb.conversation("groups", groupId);
      const { groups } = await cb.api<{ groups: { id: string; members: { user_id: string }[] }[] }>("/api/groups");
      for (const g of groups) cb.conversation("groups", g.id).setMembers(g.members.map((m) => m.user_id));
      assert.equal(view.memberCount, UNREAD_FANOUT_MAX_MEMBERS + 2);
      await post(a, groupId, "1");
      const two = await post(a, groupId, "2");
      await post(b, groupId, "mine"); // not unread
      await waitFor(() => view.messages.length === 3, "the messages");
      assert.equal(view.unread, 2);
      assert.equal(cb.unreadTotal, 2);
      assert.equal(updates.length, 0, "the server sent no update for them");
      await stack.api.del(`/api/messages/${groupId}/${two.id}`, a.token);
      await waitFor(() => view.unread === 1, "the deleted message uncounted");
      // A mention brings the server's exact numbers, which replace the local count.
      await post(a, groupId, `hi @${b.username}`);
      await waitFor(() => updates.includes(groupId), "the mention's update");
      const server = (await stack.api.get("/api/unread", b.token)).body as { total: number; conversations: { conversation_id: string; unread_count: number }[] };
      assert.equal(view.unread, server.conversations.find((c) => c.conversation_id === groupId)?.unread_count);
      assert.equal(cb.unreadTotal, server.total);
      // A small group's messages bring updates; nothing is counted twice.
      await post(a, small, "small");
      await waitFor(() => cb.conversation("groups", small).unread === 1, "the small group's update");
      await cb.refreshUnread();
      assert.equal(cb.unreadTotal, server.total + 1);
    } finally {
      cb.close();
    }
  });

  it("client.api with raw: true gives the Response, after the same refresh-and-retry", async () => {
    const a = await buildUser(stack.api);
    const ca = clientFor(stack.url, a, { autoConnect: false, fetch: expiringOnce("/api/users/me/export") });
    try {
      const res = await ca.api("/api/users/me/export", { raw: true });
      assert.ok(res instanceof Response);
      assert.equal(res.status, 200);
      assert.match(res.headers.get("content-disposition") ?? "", /\.tar"/);
      assert.ok((await res.arrayBuffer()).byteLength > 512, "a tar archive");
      assert.equal(ca.stats.refreshes, 1, "refreshed once after the 401");
      await assert.rejects(ca.api("/api/users/me/export", { raw: true }), (e: ChatError) => e instanceof ChatError && e.status === 429);
    } finally {
      ca.close();
    }
  });

  it("view.typingUsers names the typists; loaded and loading say where the pages stand", async () => {
    const a = await buildUser(stack.api);
    const b = await buildUser(stack.api);
    const groupId = await buildGroup(stack.api, a, [b]);
    for (let i = 1; i <= 5; i++) await post(a, groupId, `m${i}`);
    const ca = clientFor(stack.url, a, { namespaces: ["groups"] });
    const cb = clientFor(stack.url, b, { namespaces: ["groups"] });
    try {
      await Promise.all([ca.ready(), cb.ready()]);
      const view = cb.conversation("groups", groupId);
      assert.equal(view.loaded, false);
      assert.equal(view.loading, false);
      const latest = view.loadLatest(2);
      assert.equal(view.loading, true);
      await latest;
      assert.equal(view.loaded, true);
      assert.equal(view.loading, false);
      const older = view.loadOlder(2);
      assert.equal(view.loadOlder(2), older, "a second call while one runs gets the same page");
      assert.deepEqual(texts(await older), ["m2", "m3"]);
      assert.equal(view.loading, false);

      await ca.emit("groups", "start_typing", { chat_id: groupId });
      await waitFor(() => view.typingUsers.length === 1, "the typist");
      assert.deepEqual(view.typingUsers, [{ user_id: a.id, username: a.username }]);
      assert.deepEqual(view.typing, [a.id]);
      await ca.emit("groups", "stop_typing", { chat_id: groupId });
      await waitFor(() => view.typingUsers.length === 0, "the stop");
    } finally {
      ca.close();
      cb.close();
    }
  });

  it("after a 410, caught_up says resynced and the loaded views show the edits and deletes missed", async () => {
    const a = await buildUser(stack.api);
    const b = await buildUser(stack.api);
    const groupId = await buildGroup(stack.api, a, [b]);
    const one = await post(a, groupId, "1");
    const two = await post(a, groupId, "2");
    const cb: ChatClient = clientFor(proxy.url, b, { namespaces: ["groups"], transports: ["websocket"] });
    try {
      await cb.ready();
      const view = cb.conversation("groups", groupId);
      await view.loadLatest();
      assert.deepEqual(texts(view.messages), ["1", "2"]);
      const down = nextClientEvent(cb, "disconnected");
      proxy.cut();
      await down;
      await stack.api.put(`/api/messages/${groupId}/${one.id}`, { text: "1 (edited)" }, a.token);
      await stack.api.del(`/api/messages/${groupId}/${two.id}`, a.token);
      await stack.api.post(`/api/messages/${groupId}/${one.id}/reactions`, { emoji: "👍" }, a.token);
      await post(a, groupId, "3");
      await stack.server.app.services.eventLog.prune(Date.now() + 365 * 24 * 3600 * 1000);
      await sleep(CSR_MAX_DISCONNECTION_MS + 200);
      const caughtUp = nextClientEvent(cb, "caught_up");
      proxy.restore();
      assert.deepEqual((await caughtUp)[0], { recovered: false, resynced: true });
      assert.deepEqual(texts(view.messages), ["1 (edited)", "(deleted)", "3"]);
      assert.deepEqual(Object.values(view.messages[0]!.reactions).map((r) => r.emoji), ["👍"], "the reaction missed");
      // A drop that syncs normally is no resync.
      const again = nextClientEvent(cb, "caught_up");
      proxy.cut();
      await sleep(50);
      proxy.restore();
      assert.equal((await again)[0].resynced, false);
    } finally {
      cb.close();
      proxy.restore();
    }
  });
});
