// The rules the web client's state rests on, run in Node (no browser). Since the web client
// uses the SDK, the merge rules and the catch-up algorithm it used to carry are the SDK's
// (client/src/conversation-view.ts, catch-up.ts): tested here against those modules with the
// cases the web client's own copy was held to (dedupe by id, seq order, no regression from a
// replayed event, sync paging from the cursor at the drop, 410). Then what the web client
// still adds itself: the DM id, and no badge for the conversation being read.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createCatchUp } from "../../client/src/catch-up.ts";
import { Conversation, type ConversationDeps } from "../../client/src/conversation-view.ts";
import { ChatError } from "../../client/src/errors.ts";
import { memoryStore } from "../../client/src/stores.ts";
import type { ChatClientStats } from "../../client/src/types.ts";
import type { Message } from "../../src/contract/models.ts";
import { sentState } from "../../src/messaging/message.dto.ts";
import { createStore, dmIdOf } from "../../web/store.js";
import { createUnread } from "../../web/unread.js";

const other = { id: "u2", username: "bob", display_name: "Bob", avatar_url: null };

function msg(seq: number | null, over: Partial<Message> = {}): Message {
  return {
    id: `m${seq ?? over.client_message_id}`,
    conversation_id: "c1",
    conversation_type: "couple",
    seq,
    client_message_id: `cm${seq}`,
    sender: other,
    text: `text ${seq}`,
    kind: "text",
    media: null,
    sticker: null,
    reply_to: null,
    ...sentState(),
    mode: "normal",
    created_at: new Date(Date.UTC(2025, 0, 1, 0, 0, seq ?? 0)).toISOString(),
    ...over,
  };
}

function conversation(history: (query: string) => Message[] = () => []) {
  const deps: ConversationDeps = {
    maxMessages: Infinity,
    typingTtlMs: 8000,
    get: async <T>(path: string) => ({ messages: history(path) }) as T,
    changed() {},
    duplicate() {},
    countHistoryRequest() {},
    pending: () => [],
    presence: () => undefined,
    me: () => "u1",
    send: () => Promise.reject(new Error("no")),
    markRead: async () => {},
  };
  return new Conversation("couples", "c1", deps);
}

describe("the SDK's merge rules (what the web client renders from)", () => {
  it("keeps one copy per id and orders by seq whatever the arrival order", () => {
    const conv = conversation();
    for (const s of [3, 1, 2, 3, 1]) conv.accept(msg(s), "live");
    assert.deepEqual(conv.messages.map((m) => m.seq), [1, 2, 3]);
  });

  it("never lets a replayed new_message or an older edit undo a newer state", () => {
    const conv = conversation();
    const edited = msg(1, { text: "v2", edited: true, last_edited_at: "2025-01-01T00:05:00.000Z" });
    conv.accept(edited, "live");
    conv.accept(msg(1), "sync"); // replayed by sync after a fresher history page
    assert.equal(conv.get("m1")?.text, "v2");
    conv.update(msg(1, { text: "v1", edited: true, last_edited_at: "2025-01-01T00:01:00.000Z" }), "live");
    assert.equal(conv.get("m1")?.text, "v2");
    conv.update(msg(1, { text: "", deleted: true, deleted_at: "2025-01-01T00:06:00.000Z" }), "live");
    conv.update(edited, "sync"); // a late edit cannot resurrect a tombstone
    conv.accept(msg(1), "sync");
    assert.equal(conv.get("m1")?.deleted, true);
  });

  it("takes a history snapshot that is further along than the copy it holds", () => {
    const conv = conversation();
    conv.accept(msg(1), "live");
    conv.accept(msg(1, { text: "later", edited: true, last_edited_at: "2025-01-01T00:05:00.000Z" }), "history");
    assert.equal(conv.get("m1")?.text, "later");
  });

  it("places incognito messages (no seq) by time between stored ones", () => {
    const conv = conversation();
    conv.accept(msg(1), "live");
    conv.accept(msg(3), "live");
    conv.accept(msg(null, { id: "inc", client_message_id: "x", created_at: new Date(Date.UTC(2025, 0, 1, 0, 0, 2)).toISOString() }), "live");
    assert.deepEqual(conv.messages.map((m) => m.id), ["m1", "inc", "m3"]);
  });

  it("keeps a live message that arrives before the first page, and fills a seq gap from history", async () => {
    const conv = conversation((q) => (q.includes("after_seq=1") ? [msg(2), msg(3)] : [msg(51)].concat(Array.from({ length: 49 }, (_, i) => msg(50 - i)))));
    conv.accept(msg(51), "live");
    await conv.loadLatest(50);
    assert.deepEqual(conv.messages.map((m) => m.seq).slice(-2), [50, 51]);
    assert.equal(conv.messages.length, 50);
    const gap = conversation((q) => (q.includes("after_seq=1") ? [msg(2), msg(3)] : []));
    gap.accept(msg(1), "live");
    gap.accept(msg(4), "live");
    assert.equal(gap.seqs.hasGap, true);
    await gap.fetchAfter(gap.seqs.upTo, "gap");
    assert.deepEqual(gap.messages.map((m) => m.seq), [1, 2, 3, 4]);
    assert.equal(gap.seqs.hasGap, false);
  });
});

type Page = { epoch: string; events: { event_seq: number; type: string; namespace: string; data: Record<string, unknown> }[]; next: number; has_more: boolean };

function syncHarness(pages: (since: number) => Page | Error, cursor?: { epoch: string; last_event_seq: number }) {
  const calls: string[] = [];
  const applied: number[] = [];
  const done: boolean[] = [];
  const store = memoryStore(cursor ? { cursor } : {});
  const catchUp = createCatchUp({
    namespaces: ["couples", "groups", "dm"],
    store,
    stats: { syncRequests: 0, resyncs: 0 } as ChatClientStats,
    userId: () => "u1",
    get: async <T>(path: string) => {
      calls.push(path);
      const page = pages(Number(new URL(path, "http://x").searchParams.get("since")));
      if (page instanceof Error) throw page;
      return page as T;
    },
    conversations: () => [],
    apply: (e) => applied.push(e.event_seq),
    caughtUp: (info) => done.push(info.recovered),
    error: (e) => assert.fail(e),
    signal: { closed: false, wake: new Set() },
  });
  return { catchUp, calls, applied, done };
}

const ev = (n: number) => ({ event_seq: n, type: "new_message", namespace: "couples", data: {} });
const session = (last: number, epoch = "e1", recovered = false) => ({ recovered, epoch, last_event_seq: last });
const NS = ["couples", "groups", "dm"] as const;

describe("the SDK's catch-up (what the web client's reconnects go through)", () => {
  it("first connect: takes the cursor from `session`, no sync", async () => {
    const h = syncHarness(() => assert.fail("no sync expected"));
    for (const ns of NS) h.catchUp.session(ns, session(5));
    await h.catchUp.settled();
    assert.deepEqual(h.catchUp.cursor, { epoch: "e1", last_event_seq: 5 });
    assert.deepEqual(h.calls, []);
  });

  it("recovered: nothing to fetch", async () => {
    const h = syncHarness(() => assert.fail("no sync expected"));
    for (const ns of NS) h.catchUp.session(ns, session(5));
    h.catchUp.disconnected("couples");
    h.catchUp.session("couples", session(9, "e1", true));
    await h.catchUp.settled();
    assert.deepEqual(h.calls, []);
    assert.deepEqual(h.done.at(-1), true);
  });

  it("not recovered: pages through /api/events/sync from the cursor held when the connection dropped", async () => {
    const h = syncHarness((since) => (since === 5 ? { epoch: "e1", events: [ev(6), ev(7)], next: 7, has_more: true } : since === 7 ? { epoch: "e1", events: [ev(8)], next: 8, has_more: false } : { epoch: "e1", events: [], next: since, has_more: false }));
    for (const ns of NS) h.catchUp.session(ns, session(5));
    await h.catchUp.settled();
    for (const ns of NS) h.catchUp.disconnected(ns);
    // /dm is back first and already receives a live event past what /couples missed.
    h.catchUp.session("dm", session(9));
    h.catchUp.live("dm", { event_seq: 9, epoch: "e1" });
    h.catchUp.session("couples", session(9));
    h.catchUp.session("groups", session(9));
    await h.catchUp.settled();
    // One run per namespace that came back unrecovered, each from where the last one stopped.
    assert.deepEqual(h.calls.map((c) => new URL(c, "http://x").searchParams.get("since")).slice(0, 2), ["5", "7"]);
    assert.deepEqual(h.applied, [6, 7, 8]);
    assert.equal(h.catchUp.cursor.last_event_seq, 9);
  });

  it("a reload resumes from the cursor kept in the store", async () => {
    const h = syncHarness((since) => ({ epoch: "e1", events: since < 6 ? [ev(6)] : [], next: 6, has_more: false }), { epoch: "e1", last_event_seq: 5 });
    await h.catchUp.load();
    for (const ns of NS) h.catchUp.session(ns, session(6));
    await h.catchUp.settled();
    assert.deepEqual(h.applied, [6]);
  });

  it("410 resync_required: restarts from the server's epoch and position", async () => {
    const gone = new ChatError("resync_required", "gone", { status: 410, details: { epoch: "e2" } });
    const h = syncHarness(() => gone);
    for (const ns of NS) h.catchUp.session(ns, session(5));
    await h.catchUp.settled();
    h.catchUp.disconnected("couples");
    h.catchUp.session("couples", session(40, "e2"));
    await h.catchUp.settled();
    assert.deepEqual(h.catchUp.cursor, { epoch: "e2", last_event_seq: 40 });
  });
});

describe("what the web client adds", () => {
  it("computes DM ids like the server: lowercase usernames, sorted", () => {
    assert.equal(dmIdOf("Zed", "amy"), "dm:amy|zed");
  });

  it("shows no badge for the conversation being read, in its item and in the total", () => {
    const store = createStore();
    const view = { unread: 2, mentioned: true, mutedUntil: null, subscribe: () => () => {} };
    store.reset({ unreadTotal: 5, conversation: () => view } as never);
    const conv = store.conversation({ ns: "groups", id: "g", title: "G" });
    const unread = createUnread(store);
    assert.deepEqual(unread.shown("groups", "g", null), { unread_count: 2, mentioned: true, muted_until: null });
    assert.equal(unread.shown("groups", "g", conv.key).unread_count, 0);
    assert.equal(unread.shownTotal(null), 5);
    assert.equal(unread.shownTotal(conv.key), 3);
  });
});
