// The SDK's catch-up on a real server, one path at a time: a seq hole seen live is filled
// from history; a sync answered 410 refetches the history of what the client holds; a
// reload syncs from the cursor kept in the store; views stay ordered, deduped, trimmed.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { memoryStore, type Message } from "../../client/src/index.ts";
import { conversationRoom } from "../../src/events/notifier.ts";
import { buildGroup, buildUser, type TestUser } from "../support/factories.ts";
import { startStack, type Stack } from "../support/stack.ts";
import { sleep, waitFor } from "../support/wait.ts";
import { clientFor, nextClientEvent } from "./helpers.ts";
import { startTcpProxy, type TcpProxy } from "./tcp-proxy.ts";

const CSR_MAX_DISCONNECTION_MS = 500;
let stack: Stack;
let proxy: TcpProxy;
before(async () => {
  stack = await startStack({ env: { CSR_MAX_DISCONNECTION_MS: String(CSR_MAX_DISCONNECTION_MS), TYPING_TIMEOUT_MS: "300" } });
  proxy = await startTcpProxy(stack.url);
});
after(async () => {
  await proxy.close();
  await stack.stop();
});

async function post(user: TestUser, groupId: string, text: string): Promise<Message> {
  const res = await stack.api.post(`/api/messages/${groupId}`, { text }, user.token);
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body;
}

const texts = (ms: readonly Message[]) => ms.map((m) => m.text);

describe("client SDK catch-up", () => {
  it("fills a seq hole seen live from history", async () => {
    const a = await buildUser(stack.api);
    const b = await buildUser(stack.api);
    const groupId = await buildGroup(stack.api, a, [b]);
    const cb = clientFor(stack.url, b, { namespaces: ["groups"] });
    try {
      await cb.ready();
      await post(a, groupId, "1");
      await waitFor(() => cb.conversation("groups", groupId).messages.length === 1, "the first message");
      // The socket misses two messages while staying connected (out of the group's room).
      const groups = stack.server.app.io.of("/groups");
      groups.in(cb.socket("groups")!.id!).socketsLeave(conversationRoom(groupId));
      await post(a, groupId, "2");
      await post(a, groupId, "3");
      groups.in(cb.socket("groups")!.id!).socketsJoin(conversationRoom(groupId));
      await post(a, groupId, "4");
      await waitFor(() => cb.conversation("groups", groupId).messages.length === 4, "the hole to be filled");
      await cb.settled();
      assert.deepEqual(texts(cb.conversation("groups", groupId).messages), ["1", "2", "3", "4"]);
      assert.equal(cb.stats.fromGapFill, 2);
      assert.equal(cb.conversation("groups", groupId).contiguousThrough, 4);
    } finally {
      cb.close();
    }
  });

  it("a sync answered 410 refetches the history of the conversations held", async () => {
    const a = await buildUser(stack.api);
    const b = await buildUser(stack.api);
    const groupId = await buildGroup(stack.api, a, [b]);
    const cb = clientFor(proxy.url, b, { namespaces: ["groups"], transports: ["websocket"] });
    try {
      await cb.ready();
      for (const t of ["1", "2"]) await post(a, groupId, t);
      await waitFor(() => cb.conversation("groups", groupId).messages.length === 2, "the first messages");
      const down = nextClientEvent(cb, "disconnected");
      proxy.cut();
      await down;
      for (const t of ["3", "4", "5"]) await post(a, groupId, t);
      // Every event pruned, and the recovery session expired: sync is the only way, and it is refused.
      await stack.server.app.services.eventLog.prune(Date.now() + 365 * 24 * 3600 * 1000);
      await sleep(CSR_MAX_DISCONNECTION_MS + 200);
      const caughtUp = nextClientEvent(cb, "caught_up");
      proxy.restore();
      await caughtUp;
      await cb.settled();
      assert.deepEqual(texts(cb.conversation("groups", groupId).messages), ["1", "2", "3", "4", "5"]);
      assert.equal(cb.stats.resyncs, 1);
      assert.equal(cb.stats.fromGapFill, 3);
      // The cursor starts again where the server's stream stands, so the next drop syncs normally.
      assert.ok(cb.cursor.last_event_seq !== null);
    } finally {
      cb.close();
      proxy.restore();
    }
  });

  it("a reload syncs from the cursor kept in the store", async () => {
    const a = await buildUser(stack.api);
    const b = await buildUser(stack.api);
    const groupId = await buildGroup(stack.api, a, [b]);
    const store = memoryStore();
    const first = clientFor(stack.url, b, { namespaces: ["groups"], store });
    await first.ready();
    await post(a, groupId, "seen");
    await waitFor(() => first.conversation("groups", groupId).messages.length === 1, "the first message");
    first.close();
    const cursor = store.get<{ last_event_seq: number }>("cursor") as { last_event_seq: number };
    assert.ok(cursor.last_event_seq > 0);
    for (const t of ["missed 1", "missed 2"]) await post(a, groupId, t);
    const second = clientFor(stack.url, b, { namespaces: ["groups"], store, credentials: undefined });
    try {
      await second.ready();
      await second.settled();
      assert.deepEqual(texts(second.conversation("groups", groupId).messages), ["missed 1", "missed 2"]);
      assert.equal(second.stats.fromSync, 2);
    } finally {
      second.close();
    }
  });

  it("views: ordered history pages, trimming, typing, unread", async () => {
    const a = await buildUser(stack.api);
    const b = await buildUser(stack.api);
    const groupId = await buildGroup(stack.api, a, [b]);
    for (let i = 1; i <= 8; i++) await post(a, groupId, `m${i}`);
    const cb = clientFor(stack.url, b, { namespaces: ["groups"], maxMessagesPerConversation: 5 });
    const ca = clientFor(stack.url, a, { namespaces: ["groups"] });
    try {
      await Promise.all([ca.ready(), cb.ready()]);
      const view = cb.conversation("groups", groupId);
      let notified = 0;
      view.subscribe(() => notified++);
      await view.loadLatest(3);
      assert.deepEqual(texts(view.messages), ["m6", "m7", "m8"]);
      assert.ok(view.hasOlder);
      await view.loadOlder(3);
      assert.deepEqual(texts(view.messages), ["m4", "m5", "m6", "m7", "m8"], "trimmed to the newest five");
      await view.loadOlder(3);
      assert.deepEqual(texts(view.messages), ["m4", "m5", "m6", "m7", "m8"]);
      assert.ok(notified > 0);

      await cb.refreshUnread();
      assert.equal(view.unread, 8);
      const typing = new Promise<void>((resolve) => {
        const off = view.subscribe(() => {
          if (view.typing.includes(a.id)) {
            off();
            resolve();
          }
        });
      });
      await ca.emit("groups", "start_typing", { chat_id: groupId });
      await typing;
      const sent = await ca.conversation("groups", groupId).send("m9");
      await waitFor(() => view.messages.at(-1)?.id === sent.id, "m9 at the receiver");
      assert.deepEqual(view.typing, [], "a message from the typist ends the indicator");
      await view.markRead();
      assert.equal(view.unread, 0);
      await waitFor(() => view.unread === 0 && cb.unreadTotal === 0, "the server's unread_update");
    } finally {
      ca.close();
      cb.close();
    }
  });
});
