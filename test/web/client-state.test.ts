// The web client's state rules and catch-up algorithm, run in Node against the browser
// modules themselves (they touch no DOM): dedupe by id, seq order, no regressions from
// replayed events, gap detection, and sync paging / 410 handling after a reconnect.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Message } from "../../src/contract/models.ts";
import { sentState } from "../../src/messaging/message.dto.ts";
import { createCatchUp } from "../../web/catch-up.js";
import { createEventHandler } from "../../web/events.js";
import { createStore, dmIdOf, mergeMessage, newConversation, orderedMessages } from "../../web/store.js";

const me = { id: "u1", username: "alice", display_name: "Alice", avatar_url: null };
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

const noHooks = { gap() {}, unseen() {}, toast() {}, requestsChanged() {}, partnerLinked() {}, leftGroup() {} };

describe("store: merging messages", () => {
  it("keeps one copy per id and orders by seq whatever the arrival order", () => {
    const conv = newConversation({ ns: "couples", id: "c1", title: "Bob" });
    for (const s of [3, 1, 2, 3, 1]) mergeMessage(conv, msg(s), "new");
    assert.deepEqual(orderedMessages(conv).map((m) => m.seq), [1, 2, 3]);
  });

  it("never lets a replayed new_message or an older edit undo a newer state", () => {
    const conv = newConversation({ ns: "couples", id: "c1", title: "Bob" });
    const edited = msg(1, { text: "v2", edited: true, last_edited_at: "2025-01-01T00:05:00.000Z" });
    mergeMessage(conv, edited, "update");
    mergeMessage(conv, msg(1), "new"); // replayed by sync after a fresher history page
    assert.equal(conv.messages.get("m1")?.text, "v2");
    mergeMessage(conv, msg(1, { text: "v1", edited: true, last_edited_at: "2025-01-01T00:01:00.000Z" }), "update");
    assert.equal(conv.messages.get("m1")?.text, "v2");
    mergeMessage(conv, msg(1, { text: "", deleted: true, deleted_at: "2025-01-01T00:06:00.000Z" }), "delete");
    mergeMessage(conv, edited, "update"); // a late edit cannot resurrect a tombstone
    mergeMessage(conv, msg(1), "new");
    assert.equal(conv.messages.get("m1")?.deleted, true);
  });

  it("takes a history snapshot that is further along than the copy it holds", () => {
    const conv = newConversation({ ns: "couples", id: "c1", title: "Bob" });
    mergeMessage(conv, msg(1), "new");
    mergeMessage(conv, msg(1, { text: "later", edited: true, last_edited_at: "2025-01-01T00:05:00.000Z" }), "new");
    assert.equal(conv.messages.get("m1")?.text, "later");
  });

  it("replaces a pending message by the server's copy with the same client_message_id", () => {
    const conv = newConversation({ ns: "couples", id: "c1", title: "Bob" });
    conv.pending.set("cm7", { client_message_id: "cm7", text: "hi", reply_to_message_id: null, reply_preview: null, created_at: "", status: "sending" });
    mergeMessage(conv, msg(7, { client_message_id: "cm7" }), "new");
    assert.equal(conv.pending.size, 0);
    assert.equal(conv.messages.size, 1);
  });

  it("places incognito messages (no seq) by time between stored ones", () => {
    const conv = newConversation({ ns: "couples", id: "c1", title: "Bob" });
    mergeMessage(conv, msg(1), "new");
    mergeMessage(conv, msg(3), "new");
    mergeMessage(conv, msg(null, { id: "inc", client_message_id: "x", created_at: new Date(Date.UTC(2025, 0, 1, 0, 0, 2)).toISOString() }), "new");
    assert.deepEqual(orderedMessages(conv).map((m) => m.id), ["m1", "inc", "m3"]);
  });

  it("computes DM ids like the server: lowercase usernames, sorted", () => {
    assert.equal(dmIdOf("Zed", "amy"), "dm:amy|zed");
  });
});

describe("events: applying server events", () => {
  it("dedupes, advances the cursor and reports a seq gap", () => {
    const store = createStore();
    store.state.me = { ...me, phone: "+1", email: null, partner_id: null };
    const conv = store.conversation({ ns: "couples", id: "c1", title: "Bob" });
    conv.loaded = true;
    const gaps: number[] = [];
    const events = createEventHandler(store, { ...noHooks, gap: (_c, after) => gaps.push(after) });
    events.apply("couples", "new_message", { message: msg(1), meta: { event_seq: 10, epoch: "e1" } });
    events.apply("couples", "new_message", { message: msg(1), meta: { event_seq: 10, epoch: "e1" } });
    events.apply("couples", "new_message", { message: msg(4), meta: { event_seq: 12, epoch: "e1" } });
    assert.equal(conv.messages.size, 2);
    assert.deepEqual(gaps, [1]);
    assert.deepEqual(store.state.cursor, { epoch: "e1", seq: 12 });
    events.apply("couples", "read_receipt", { conversation_id: "c1", user_id: "u2", seq: 4, at: "" });
    events.apply("couples", "read_receipt", { conversation_id: "c1", user_id: "u2", seq: 2, at: "" });
    assert.equal(conv.readBy.get("u2"), 4);
  });
});

type Page = { epoch: string; events: { event_seq: number; type: string; namespace: string; data: unknown }[]; next: number; has_more: boolean };

function syncHarness(pages: (since: number) => Page | Error) {
  const store = createStore();
  const calls: string[] = [];
  const applied: number[] = [];
  const flags = { resync: 0, refetch: 0 };
  const catchUp = createCatchUp({
    store,
    get: async (path) => {
      calls.push(path);
      const page = pages(Number(new URL(path, "http://x").searchParams.get("since")));
      if (page instanceof Error) throw page;
      return page;
    },
    apply: (_ns, _type, data) => {
      applied.push((data as { meta: { event_seq: number } }).meta.event_seq);
      store.advanceCursor((data as { meta: { event_seq: number; epoch: string } }).meta);
    },
    resync: async () => void flags.resync++,
    refetchActive: async () => void flags.refetch++,
  });
  return { store, catchUp, calls, applied, flags };
}

const ev = (n: number) => ({ event_seq: n, type: "new_message", namespace: "couples", data: { meta: { event_seq: n, epoch: "e1" } } });
const session = (last: number, epoch = "e1") => ({ user_id: "u1", recovered: false, epoch, last_event_seq: last });

describe("events: a conversation whose first page is still loading", () => {
  it("keeps a live message that arrives before the page, without a gap fetch", () => {
    const store = createStore();
    const conv = store.conversation({ ns: "groups", id: "g1", title: "G" });
    const seen: string[] = [];
    const events = createEventHandler(store, { ...noHooks, gap: () => assert.fail("no gap fetch before the page is in"), unseen: (_ns, m) => seen.push(m.id) });
    events.apply("groups", "new_message", { message: msg(51, { conversation_id: "g1" }) });
    for (let s = 2; s <= 50; s++) mergeMessage(conv, msg(s, { conversation_id: "g1" }), "new"); // the page lands
    conv.loaded = true;
    assert.deepEqual(orderedMessages(conv).map((m) => m.seq).slice(-2), [50, 51]);
    assert.deepEqual(seen, ["m51"], "still counted as unseen for the lists");
  });
});

describe("catch-up after a reconnect", () => {
  it("first connect: takes the cursor from `session` and refetches the open conversation, no sync", async () => {
    const h = syncHarness(() => assert.fail("no sync expected"));
    await h.catchUp.session("couples", session(5), false);
    assert.deepEqual(h.store.state.cursor, { epoch: "e1", seq: 5 });
    assert.equal(h.flags.refetch, 1);
  });

  it("recovered: nothing to fetch", async () => {
    const h = syncHarness(() => assert.fail("no sync expected"));
    h.store.state.cursor = { epoch: "e1", seq: 5 };
    for (const ns of ["couples", "groups", "dm"] as const) await h.catchUp.session(ns, { ...session(5), recovered: true }, true);
    h.catchUp.disconnected("couples");
    await h.catchUp.session("couples", { ...session(9), recovered: true }, true);
    assert.deepEqual(h.calls, []);
  });

  it("not recovered: pages through /api/events/sync from the cursor held when the connection dropped", async () => {
    const h = syncHarness((since) => (since === 5 ? { epoch: "e1", events: [ev(6), ev(7)], next: 7, has_more: true } : { epoch: "e1", events: [ev(8)], next: 8, has_more: false }));
    h.store.state.cursor = { epoch: "e1", seq: 5 };
    for (const ns of ["couples", "groups", "dm"] as const) h.catchUp.disconnected(ns);
    // /dm is back first and already receives a live event past what /couples missed.
    h.store.advanceCursor({ epoch: "e1", event_seq: 9 });
    await h.catchUp.session("couples", session(9), false);
    assert.deepEqual(h.calls, ["/api/events/sync?since=5&limit=200&epoch=e1", "/api/events/sync?since=7&limit=200&epoch=e1"]);
    assert.deepEqual(h.applied, [6, 7, 8]);
    assert.equal(h.catchUp.resumeFrom, 5, "kept until every namespace is back");
    await h.catchUp.session("groups", session(9), false);
    await h.catchUp.session("dm", session(9), false);
    assert.equal(h.catchUp.resumeFrom, null);
    assert.equal(h.store.state.cursor.seq, 9);
  });

  it("410 resync_required: refetches history and restarts from the server's position", async () => {
    const gone = Object.assign(new Error("gone"), { status: 410, code: "resync_required", details: { epoch: "e2" } });
    const h = syncHarness(() => gone);
    h.store.state.cursor = { epoch: "e1", seq: 5 };
    h.catchUp.disconnected("couples");
    await h.catchUp.session("couples", session(40, "e2"), false);
    assert.equal(h.flags.resync, 1);
    assert.deepEqual(h.store.state.cursor, { epoch: "e2", seq: 40 });
  });
});
