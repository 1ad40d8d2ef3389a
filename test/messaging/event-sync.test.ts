// GET /api/events/sync: the user's durable events after a position, in order, with the
// same meta.event_seq the live events carried; paged; 410 resync_required on a wrong epoch.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { connectClient, connected, nextEvent, request, requestOk } from "../support/clients.ts";
import { buildConversation, closeAll, connectReady, post, record, send, stopWhenDrained, type Conversation } from "../support/conversations.ts";
import { buildGroup, buildUser, type TestUser } from "../support/factories.ts";
import { startStack, type Stack } from "../support/stack.ts";

let stack: Stack;
before(async () => {
  stack = await startStack({ redis: true });
});
after(() => stopWhenDrained(stack));

interface SyncEvent {
  event_seq: number;
  type: string;
  namespace: string;
  data: Record<string, unknown> & { meta: { event_seq: number; epoch: string } };
}

const WRITES = 200;
const sync = (u: TestUser, query: string) => stack.api.get(`/api/events/sync?${query}`, u.token);

/** Every event of the user after `since`, following `next` page by page. */
async function drain(u: TestUser, since: number, limit = 100): Promise<SyncEvent[]> {
  const out: SyncEvent[] = [];
  for (let cursor = since; ; ) {
    const page = await sync(u, `since=${cursor}&limit=${limit}`);
    assert.equal(page.status, 200, JSON.stringify(page.body));
    out.push(...page.body.events);
    if (!page.body.has_more) return out;
    assert.ok(page.body.next > cursor);
    cursor = page.body.next;
  }
}

const head = async (u: TestUser) => (await drain(u, 0, 1000)).at(-1)?.event_seq ?? 0;

describe("event sync", () => {
  let c: Conversation;
  before(async () => {
    c = await buildConversation(stack.api, "couple");
  });

  it("returns the user's events after N, in order, matching what was delivered live", async () => {
    const since = await head(c.b);
    const [sa, sb] = await Promise.all([connectReady(stack.url, "couples", c.a.token), connectReady(stack.url, "couples", c.b.token)]);
    const live: number[] = [];
    for (const e of ["new_message", "message_updated", "message_reaction_update", "chat_mode_changed", "read_receipt"] as const) {
      sb.on(e, (p: { meta?: { event_seq: number } }) => live.push(p.meta!.event_seq));
    }
    try {
      const m1 = await send(sa, c.id, "one");
      await send(sa, c.id, "two");
      await requestOk(sa, "start_typing", { chat_id: c.id });
      await requestOk(sa, "edit_message", { chat_id: c.id, message_id: m1.message.id, text: "one, edited" });
      await requestOk(sb, "toggle_reaction", { chat_id: c.id, message_id: m1.message.id, emoji: "👍" });
      await requestOk(sa, "change_chat_mode", { chat_id: c.id, mode: "fight" });
      const last = nextEvent(sb, "read_receipt");
      await requestOk(sa, "mark_read", { chat_id: c.id, seq: 2 });
      await last;

      const events = await drain(c.b, since);
      assert.deepEqual(events.map((e) => e.type), ["new_message", "new_message", "message_updated", "message_reaction_update", "chat_mode_changed", "read_receipt"], "typing is not durable");
      assert.deepEqual(events.map((e) => e.event_seq), [...live].sort((x, y) => x - y), "the same positions as the live events");
      assert.ok(events.every((e, i) => i === 0 || e.event_seq > events[i - 1]!.event_seq));
      assert.ok(events.every((e) => e.data.meta.event_seq === e.event_seq && e.namespace === "couples"));
      assert.equal((events[0]!.data.message as { text: string }).text, "one");
      assert.equal((events[2]!.data.message as { text: string }).text, "one, edited");
      assert.ok(events.every((e) => e.event_seq > since));

      const theirs = await drain(c.outsider, 0);
      assert.ok(!theirs.some((e) => JSON.stringify(e.data).includes(c.id)), "an outsider syncs none of it");
    } finally {
      closeAll(sa, sb);
    }
  });

  it("pages with limit, next and has_more", async () => {
    const since = await head(c.a);
    for (let i = 0; i < 5; i++) await post(stack.api, c, c.b, `paged ${i}`);
    const all = await drain(c.a, since, 1000);
    assert.equal(all.length, 5);
    const first = await sync(c.a, `since=${since}&limit=2`);
    assert.equal(first.body.events.length, 2);
    assert.equal(first.body.has_more, true);
    assert.equal(first.body.next, first.body.events[1].event_seq);
    const paged = await drain(c.a, since, 2);
    assert.deepEqual(paged.map((e) => e.event_seq), all.map((e) => e.event_seq));
    const end = await sync(c.a, `since=${all.at(-1)!.event_seq}`);
    assert.deepEqual([end.body.events, end.body.has_more, end.body.next], [[], false, all.at(-1)!.event_seq]);
  });

  it("names its epoch (the one sockets are told) and answers 410 resync_required for another", async () => {
    const s = connectClient(stack.url, "couples", c.a.token);
    const session = nextEvent(s, "session");
    await connected(s);
    const { epoch, last_event_seq } = await session;
    s.close();
    const ok = await sync(c.a, `since=0&epoch=${epoch}&limit=1`);
    assert.equal(ok.status, 200);
    assert.equal(ok.body.epoch, epoch);
    assert.ok(last_event_seq >= (await head(c.a)));
    const wrong = await sync(c.a, "since=0&epoch=some-other-epoch");
    assert.equal(wrong.status, 410);
    assert.equal(wrong.body.error.code, "resync_required");
    for (const q of ["since=-1", "since=abc", "limit=0", "limit=5000"]) assert.equal((await sync(c.a, q)).status, 400, q);
    assert.equal((await stack.api.get("/api/events/sync?since=0")).status, 401);
  });
});

describe("event sync under concurrent writes", () => {
  // A client that keeps syncing from its last `next` while events are being written must
  // end up with every event: a position handed out before a later one must not become
  // visible only after the client has already moved past it.
  it(`clients syncing from \`next\` while ${WRITES} events are written miss none of them`, async () => {
    const c = await buildConversation(stack.api, "couple");
    const since = await head(c.b);
    const sockets = await Promise.all([c.a, c.b, c.a, c.b].map((u) => connectReady(stack.url, "couples", u.token)));
    const modes = ["normal", "fight"] as const;
    let writing = true;
    // Several clients of the same user, each syncing on its own.
    const pollers = Array.from({ length: 3 }, async () => {
      const collected: SyncEvent[] = [];
      let cursor = since;
      for (let last = false; ; ) {
        const page = await sync(c.b, `since=${cursor}&limit=1000`);
        collected.push(...page.body.events);
        cursor = page.body.next;
        if (last) return collected;
        if (!writing) last = true;
      }
    });
    try {
      const acks = await Promise.all(
        Array.from({ length: WRITES }, (_, i) => request(sockets[i % 4]!, "change_chat_mode", { chat_id: c.id, mode: modes[i % 2]! }, 30_000)),
      );
      assert.ok(acks.every((a) => a.ok), JSON.stringify(acks.find((a) => !a.ok)));
    } finally {
      writing = false;
      closeAll(...sockets);
    }
    const results = await Promise.all(pollers);
    const all = await drain(c.b, since, 1000);
    assert.equal(all.filter((e) => e.type === "chat_mode_changed").length, WRITES, "every change is in the log once");
    assert.equal(new Set(all.map((e) => e.event_seq)).size, all.length, "no two events share a position");
    const missed = results.map((collected) => {
      const got = new Set(collected.map((e) => e.event_seq));
      return all.filter((e) => !got.has(e.event_seq)).map((e) => e.event_seq);
    });
    assert.deepEqual(missed, [[], [], []], "events each syncing client skipped");
  });
});

describe("event sync for group membership changes", () => {
  // Events a user received live (with a meta.event_seq) must be in that user's sync too,
  // also when they are about the user leaving the conversation.
  it("a removed member can sync its own group_member_removed", async () => {
    const [owner, member] = await Promise.all([buildUser(stack.api), buildUser(stack.api)]);
    const g = await buildGroup(stack.api, owner, [member]);
    const sm = await connectReady(stack.url, "groups", member.token);
    try {
      const removed = nextEvent(sm, "group_member_removed");
      await stack.api.del(`/api/groups/${g}/members/${member.id}`, owner.token);
      const live = await removed;
      const synced = await drain(member, live.meta!.event_seq - 1);
      assert.deepEqual(synced.map((e) => e.type).slice(0, 1), ["group_member_removed"]);
    } finally {
      sm.close();
    }
  });

  it("a member can sync group_deleted after the group is gone", async () => {
    const [owner, member] = await Promise.all([buildUser(stack.api), buildUser(stack.api)]);
    const g = await buildGroup(stack.api, owner, [member]);
    const sm = await connectReady(stack.url, "groups", member.token);
    const seen = record(sm, "group_deleted");
    try {
      const deleted = nextEvent(sm, "group_deleted");
      assert.equal((await stack.api.del(`/api/groups/${g}`, owner.token)).status, 204);
      const live = await deleted;
      assert.equal(seen.seen.length, 1);
      const synced = await drain(member, live.meta!.event_seq - 1);
      assert.deepEqual(synced.map((e) => [e.type, e.data.group_id]).slice(0, 1), [["group_deleted", g]], "a client that was offline must learn the group is gone");
    } finally {
      sm.close();
    }
  });
});
