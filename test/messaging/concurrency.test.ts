// Under concurrency: per-conversation seq stays gap- and duplicate-free, and retries of
// one client_message_id store and announce exactly one message.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Message } from "../../src/contract/models.ts";
import { nextEvent, requestOk } from "../support/clients.ts";
import { buildConversation, closeAll, cmid, connectReady, flush, KINDS, messagePaths, record, send, stopWhenDrained, type Conversation } from "../support/conversations.ts";
import { buildGroup, buildUser } from "../support/factories.ts";
import type { Api } from "../support/http.ts";
import { startStack, type Stack } from "../support/stack.ts";
import { until } from "../support/wait.ts";

const MAX_PAGE = 50;
let stack: Stack;
before(async () => {
  stack = await startStack({ redis: true, env: { HISTORY_MAX_PAGE: String(MAX_PAGE) } });
});
after(() => stopWhenDrained(stack));

/** Every message of a conversation, read forward with after_seq pages. */
async function readAll(api: Api, c: Pick<Conversation, "paths">, token: string): Promise<Message[]> {
  const all: Message[] = [];
  for (;;) {
    const page = (await api.get(c.paths.history({ after_seq: all.at(-1)?.seq ?? 0, limit: 1000 }), token)).body.messages as Message[];
    assert.ok(page.length <= MAX_PAGE, `a page holds at most ${MAX_PAGE} messages, got ${page.length}`);
    all.push(...page);
    if (page.length < MAX_PAGE) return all;
  }
}

for (const kind of KINDS) {
  describe(`${kind}: concurrent retries`, () => {
    it("50 concurrent retries of one client_message_id store one message and announce it once", async () => {
      const c = await buildConversation(stack.api, kind);
      const [sa, sa2, sb] = await Promise.all([connectReady(stack.url, c.ns, c.a.token), connectReady(stack.url, c.ns, c.a.token), connectReady(stack.url, c.ns, c.b.token)]);
      const atB = record(sb, "new_message");
      try {
        const first = await send(sa, c.id, "before");
        const id = cmid();
        // requestOk: every retry is acked ok, or this throws with the first refusal.
        const acks = await Promise.all(
          Array.from({ length: 50 }, (_, i) => requestOk(i % 2 ? sa2 : sa, "send_message", { chat_id: c.id, client_message_id: id, text: "only once" }, 30_000)),
        );
        assert.equal(new Set(acks.map((a) => a.message.id)).size, 1, "every retry gets the same message back");
        assert.equal(acks.filter((a) => a.duplicate === false).length, 1, "exactly one attempt created it");
        assert.equal(acks.filter((a) => a.duplicate === true).length, 49);

        const marker = nextEvent(sb, "new_message", (p) => p.message.text === "after");
        const afterMsg = await send(sa, c.id, "after");
        await marker;
        assert.equal(atB.seen.filter((p) => p.message.client_message_id === id).length, 1, "new_message was emitted once");
        const stored = await readAll(stack.api, c, c.b.token);
        assert.deepEqual(stored.map((m) => m.seq), Array.from({ length: stored.length }, (_, i) => i + 1), "no gap in what a member reads");
        assert.deepEqual(stored.filter((m) => !m.deleted).map((m) => m.text), ["before", "only once", "after"], "one stored copy");
        assert.equal(stored[0]!.id, first.message.id);
        assert.equal(stored.find((m) => m.client_message_id === id)?.id, acks[0]?.message.id);
        assert.equal(stored.at(-1)!.id, afterMsg.message.id);
        // Retries may at worst cost a tombstone; they never show up as a message of their own.
        assert.ok(stored.filter((m) => m.deleted).every((m) => m.kind === "system" && m.text === ""));

        // The same key over REST, concurrently, also answers the one message.
        const rest = await Promise.all(Array.from({ length: 10 }, () => stack.api.post(c.paths.post, { text: "rest once", client_message_id: "rest-key" }, c.b.token)));
        assert.equal(new Set(rest.map((r) => r.body.id)).size, 1);
        assert.equal((await readAll(stack.api, c, c.a.token)).filter((m) => m.client_message_id === "rest-key").length, 1);
      } finally {
        closeAll(sa, sa2, sb);
      }
    });
  });
}

// Last: if the server mishandles this burst, it must not spoil the tests above.
describe("concurrent sends", () => {
  it("200 concurrent sends from 4 clients get seq 1..200 with no gap or duplicate, and reach every member", async () => {
    const users = await Promise.all(Array.from({ length: 4 }, () => buildUser(stack.api)));
    const g = await buildGroup(stack.api, users[0]!, users.slice(1));
    const paths = messagePaths("group", g);
    const sockets = await Promise.all(users.map((u) => connectReady(stack.url, "groups", u.token)));
    const received = sockets.map((s) => record(s, "new_message"));
    try {
      const N = 200;
      // requestOk: every send is acked ok, or this throws with the first refusal.
      const acks = await Promise.all(
        Array.from({ length: N }, (_, i) => requestOk(sockets[i % 4]!, "send_message", { chat_id: g, client_message_id: `burst-${i}`, text: `msg ${i}` }, 30_000)),
      );
      const seqs = acks.map((a) => a.message.seq ?? 0).sort((x, y) => x - y);
      assert.deepEqual(seqs, Array.from({ length: N }, (_, i) => i + 1));

      const stored = await readAll(stack.api, { paths }, users[0]!.token);
      assert.deepEqual(stored.map((m) => m.seq), Array.from({ length: N }, (_, i) => i + 1), "history has every seq once, in order");
      assert.deepEqual(stored.map((m) => m.client_message_id).sort(), Array.from({ length: N }, (_, i) => `burst-${i}`).sort());
      assert.ok(stored.every((m) => !m.deleted && m.text === `msg ${m.client_message_id.slice(6)}`));
      for (const a of acks) assert.equal(stored[(a.message.seq ?? 0) - 1]?.id, a.message.id, "the ack names the stored message");

      await until(() => received.every((r) => r.seen.length >= N), 10_000, 50);
      // Every member has every message: a duplicate of any was emitted by now.
      await flush(stack.server.app, ...sockets);
      for (const [i, r] of received.entries()) {
        assert.deepEqual(r.seen.map((p) => p.message.seq).sort((x, y) => x! - y!), seqs, `member ${i} got every message once`);
      }
    } finally {
      closeAll(...sockets);
    }
  });

  it("after the burst, the server still stores messages and records their events", async () => {
    const c = await buildConversation(stack.api, "dm");
    const res = await stack.api.post(c.paths.post, { text: "still alive?" }, c.a.token);
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const sync = await stack.api.get("/api/events/sync?since=0&limit=1000", c.b.token);
    const ids = (sync.body.events as { event_seq: number }[]).map((e) => e.event_seq);
    assert.ok(sync.body.events.some((e: { data: { message?: { id: string } } }) => e.data.message?.id === res.body.id));
    assert.deepEqual(ids, [...ids].sort((x, y) => x - y));
  });
});
