// History and "latest N" return exactly what was sent, in order, on every kind: paged by
// before_seq, after_seq and before_timestamp, never more than HISTORY_MAX_PAGE at once,
// and the latest window agrees with the database on both sides of its size.
// Runs in the embedded mode (no Redis): in-memory latest window and presence.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Message } from "../../src/contract/models.ts";
import { buildConversation, connectReady, KINDS, send, stopWhenDrained, type Conversation } from "../support/conversations.ts";
import { startStack, type Stack } from "../support/stack.ts";
import { waitFor } from "../support/wait.ts";

const MAX_PAGE = 10;
const WINDOW = 5;
const N = 27;
let stack: Stack;
before(async () => {
  stack = await startStack({ env: { HISTORY_MAX_PAGE: String(MAX_PAGE), LATEST_WINDOW_SIZE: String(WINDOW) } });
});
after(() => stopWhenDrained(stack));

const ids = (ms: Message[]) => ms.map((m) => m.id);

for (const kind of KINDS) {
  describe(`${kind}: history`, () => {
    let c: Conversation;
    let sent: Message[];
    const get = async (path: string) => {
      const res = await stack.api.get(path, c.b.token);
      assert.equal(res.status, 200, `${path}: ${JSON.stringify(res.body)}`);
      return res.body.messages as Message[];
    };

    before(async () => {
      c = await buildConversation(stack.api, kind);
      const sa = await connectReady(stack.url, c.ns, c.a.token);
      sent = [];
      for (let i = 0; i < N; i++) {
        const { message } = await send(sa, c.id, `message ${i}`);
        sent.push(message);
        // Distinct timestamps, so before_timestamp paging is exact: the next one is sent once
        // the (shared) clock has moved past this one's.
        await waitFor(() => Date.now() > Date.parse(message.created_at), "the clock to pass the last message's timestamp", 1000, 1);
      }
      sa.close();
    });

    it("latest N is the newest N in seq order, within and beyond the window, capped at the max page", async () => {
      assert.deepEqual(sent.map((m) => m.seq), Array.from({ length: N }, (_, i) => i + 1));
      for (const n of [1, 3, WINDOW, WINDOW + 1, MAX_PAGE]) {
        assert.deepEqual(ids(await get(c.paths.latest(n))), ids(sent.slice(-n)), `latest ${n}`);
        assert.deepEqual(ids(await get(c.paths.latest(n))), ids(sent.slice(-n)), `latest ${n} again (from the window)`);
      }
      assert.deepEqual(ids(await get(c.paths.latest(1000))), ids(sent.slice(-MAX_PAGE)), "hard max page size");
      assert.deepEqual(ids(await get(c.paths.latest())), ids(sent.slice(-MAX_PAGE)), "the default count is capped too");
      assert.equal((await stack.api.get(c.paths.latest(0), c.b.token)).status, 400);
      assert.equal((await stack.api.get(`${c.paths.latest()}?count=abc`, c.b.token)).status, 400);
    });

    it("the latest window follows new messages", async () => {
      await get(c.paths.latest(3)); // cached
      const sa = await connectReady(stack.url, c.ns, c.a.token);
      const extra = [(await send(sa, c.id, "late 1")).message, (await send(sa, c.id, "late 2")).message];
      sa.close();
      sent.push(...extra);
      assert.deepEqual((await get(c.paths.latest(3))).map((m) => m.text), [sent.at(-3)!.text, "late 1", "late 2"]);
      assert.deepEqual(ids(await get(c.paths.latest(WINDOW))), ids(sent.slice(-WINDOW)));
    });

    it("pages backwards with before_seq and forwards with after_seq, exactly and in order", async () => {
      const backwards: Message[] = [];
      let cursor = sent.length + 1;
      for (;;) {
        const page = await get(c.paths.history({ before_seq: cursor, limit: 1000 }));
        assert.ok(page.length <= MAX_PAGE);
        assert.deepEqual(page.map((m) => m.seq), [...page.map((m) => m.seq)].sort((x, y) => x! - y!), "each page ascends");
        if (page.length === 0) break;
        backwards.unshift(...page);
        cursor = page[0]!.seq!;
      }
      assert.deepEqual(ids(backwards), ids(sent));
      assert.deepEqual(backwards.map((m) => m.text), sent.map((m) => m.text));

      const forwards: Message[] = [];
      for (;;) {
        const page = await get(c.paths.history({ after_seq: forwards.at(-1)?.seq ?? 0, limit: 7 }));
        assert.ok(page.length <= 7);
        if (page.length === 0) break;
        forwards.push(...page);
      }
      assert.deepEqual(ids(forwards), ids(sent));
      assert.deepEqual(ids(await get(c.paths.history({ after_seq: 3, limit: 2 }))), ids(sent.slice(3, 5)));
      assert.deepEqual(ids(await get(c.paths.history({ before_seq: 4 }))), ids(sent.slice(0, 3)));
      assert.deepEqual(ids(await get(c.paths.history())), ids(sent.slice(-MAX_PAGE)), "no cursor: the newest page");
    });

    it("pages backwards with before_timestamp", async () => {
      const collected: Message[] = [];
      let before: string | undefined;
      for (;;) {
        const page = await get(c.paths.history(before ? { before_timestamp: before, limit: 4 } : { limit: 4 }));
        if (page.length === 0) break;
        assert.ok(page.length <= 4);
        collected.unshift(...page);
        before = page[0]!.created_at;
      }
      assert.deepEqual(ids(collected), ids(sent));
    });

    it("refuses ambiguous or malformed cursors", async () => {
      const queries: Record<string, string | number>[] = [{ before_seq: 3, after_seq: 1 }, { before_seq: 0 }, { after_seq: -1 }, { limit: 0 }, { before_timestamp: "2020-13-45" }];
      for (const q of queries) {
        const res = await stack.api.get(c.paths.history(q), c.b.token);
        assert.equal(res.status, 400, JSON.stringify(q));
        assert.equal(res.body.error.code, "validation_error");
      }
    });
  });
}
