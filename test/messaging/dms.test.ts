// Direct messages: the dm id names its two participants; the thread exists from its
// first message; /api/dm/threads lists the caller's threads with latest and unread count.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { nextEvent, requestError, requestOk } from "../support/clients.ts";
import { closeAll, cmid, connectReady, messagePaths, send, stopWhenDrained } from "../support/conversations.ts";
import { buildUser, dmIdOf, type TestUser } from "../support/factories.ts";
import { startStack, type Stack } from "../support/stack.ts";

let stack: Stack;
let alice: TestUser, bob: TestUser, carol: TestUser;
before(async () => {
  stack = await startStack({ redis: true });
  [alice, bob, carol] = await Promise.all([
    buildUser(stack.api, { username: "alice_dm" }),
    buildUser(stack.api, { username: "bob_dm" }),
    buildUser(stack.api, { username: "carol_dm" }),
  ]);
});
after(() => stopWhenDrained(stack));

const threadsOf = async (u: TestUser) => (await stack.api.get("/api/dm/threads", u.token)).body.threads as {
  dm_id: string;
  with: { id: string };
  latest: { id: string; text: string } | null;
  last_seq: number;
  unread_count: number;
}[];

describe("dm ids", () => {
  it("refuse malformed (400), unsorted (400) and foreign (403) ids, over REST and sockets", async () => {
    const cases: [string, number, RegExp][] = [
      ["alice_dm|bob_dm", 400, /dm_id/],
      ["dm:alice_dm", 400, /dm_id/],
      ["dm:Alice_dm|bob_dm", 400, /dm_id/],
      ["dm:alice_dm|alice_dm", 400, /dm_id/],
      ["dm:alice_dm|bob_dm|carol_dm", 400, /dm_id/],
      ["dm:bob_dm|alice_dm", 400, /sorted.*dm:alice_dm\|bob_dm/],
      ["DM:alice_dm|bob_dm", 400, /dm_id/],
      ["dm:bob_dm|carol_dm", 403, /.+/],
      ["dm:alice_dm|nobody_here", 404, /.+/],
    ];
    const sa = await connectReady(stack.url, "dm", alice.token);
    try {
      for (const [id, status, message] of cases) {
        const paths = messagePaths("dm", id);
        const res = await stack.api.post(paths.post, { text: "hi" }, alice.token);
        assert.equal(res.status, status, id);
        assert.match(res.body.error.message, message, id);
        assert.equal((await stack.api.get(paths.latest(), alice.token)).status, status, id);
        const error = await requestError(sa, "send_message", { chat_id: id, client_message_id: cmid(), text: "hi" });
        assert.equal(error.code, { 400: "validation_error", 403: "forbidden", 404: "not_found" }[status], id);
      }
    } finally {
      sa.close();
    }
  });
});

describe("dm threads", () => {
  it("exist from the first message and list latest and unread_count for each participant", async () => {
    const dm = dmIdOf(alice, bob);
    const paths = messagePaths("dm", dm);
    assert.ok(!(await threadsOf(alice)).some((t) => t.dm_id === dm), "no thread before the first message");
    assert.deepEqual((await stack.api.get(paths.latest(), alice.token)).body.messages, [], "an empty DM reads as empty");

    const [sa, sb, sc] = await Promise.all([alice, bob, carol].map((u) => connectReady(stack.url, "dm", u.token)));
    try {
      const arrives = nextEvent(sb!, "new_message");
      const first = await send(sa!, dm, "hi bob");
      assert.equal(dm, "dm:alice_dm|bob_dm");
      assert.equal(first.message.conversation_id, dm);
      assert.equal(first.message.seq, 1);
      assert.equal(first.message.conversation_type, "dm");
      assert.equal((await arrives).message.id, first.message.id);
      await send(sa!, dm, "are you there?");

      const atBob = (await threadsOf(bob)).find((t) => t.dm_id === dm)!;
      assert.equal(atBob.with.id, alice.id);
      assert.equal(atBob.latest?.text, "are you there?");
      assert.equal(atBob.last_seq, 2);
      assert.equal(atBob.unread_count, 2);
      const atAlice = (await threadsOf(alice)).find((t) => t.dm_id === dm)!;
      assert.equal(atAlice.with.id, bob.id);
      assert.equal(atAlice.unread_count, 0, "your own messages are not unread");
      assert.ok(!(await threadsOf(carol)).some((t) => t.dm_id === dm), "an outsider does not see the thread");

      const read = await requestOk(sb!, "mark_read", { chat_id: dm, seq: 1 });
      assert.deepEqual(read, { ok: true, chat_id: dm, seq: 1 });
      assert.equal((await threadsOf(bob)).find((t) => t.dm_id === dm)!.unread_count, 1);
      // After a reload, Alice can still show how far Bob has read.
      const seenByAlice = (await stack.api.get("/api/dm/threads", alice.token)).body.threads.find((t: { dm_id: string }) => t.dm_id === dm);
      assert.deepEqual(seenByAlice.read_positions, { [alice.id]: 0, [bob.id]: 1 });

      // A newer thread comes first.
      const other = dmIdOf(bob, carol);
      await send(sc!, other, "hello from carol");
      assert.deepEqual((await threadsOf(bob)).map((t) => t.dm_id).slice(0, 2), [other, dm]);
    } finally {
      closeAll(sa!, sb!, sc!);
    }
  });

  it("serve every /api/dm route to the participants", async () => {
    const dm = dmIdOf(alice, carol);
    const p = messagePaths("dm", dm);
    const first = await stack.api.post(p.post, { text: "first" }, carol.token);
    assert.equal(first.status, 201);
    assert.equal(first.body.conversation_id, dm);
    const second = await stack.api.post(p.post, { text: "second", reply_to_message_id: first.body.id }, alice.token);
    assert.equal(second.body.reply_to.message_id, first.body.id);

    const edited = await stack.api.put(p.item(first.body.id), { text: "first!" }, carol.token);
    assert.equal(edited.status, 200);
    assert.deepEqual(edited.body.edits.map((e: { text: string }) => e.text), ["first"]);
    assert.equal((await stack.api.put(p.item(first.body.id), { text: "mine?" }, alice.token)).status, 403);
    const reacted = await stack.api.post(p.reactions(first.body.id), { emoji: "❤️" }, alice.token);
    assert.deepEqual(reacted.body.summary, { "❤️": 1 });
    assert.equal((await stack.api.get(p.byId(first.body.id), alice.token)).body.text, "first!");
    assert.equal((await stack.api.get(p.byTs(second.body.created_at), carol.token)).body.id, second.body.id);
    assert.deepEqual((await stack.api.get(p.latest(5), alice.token)).body.messages.map((m: { text: string }) => m.text), ["first!", "second"]);
    assert.deepEqual((await stack.api.get(p.history({ before_seq: 2 }), alice.token)).body.messages.map((m: { seq: number }) => m.seq), [1]);
    assert.equal((await stack.api.del(p.item(second.body.id), carol.token)).status, 403, "only the sender deletes in a DM");
    const deleted = await stack.api.del(p.item(second.body.id), alice.token);
    assert.equal(deleted.body.deleted, true);
    assert.deepEqual((await stack.api.post(p.read, { seq: 2 }, carol.token)).body, { chat_id: dm, seq: 2 });
    assert.equal((await threadsOf(carol)).find((t) => t.dm_id === dm)!.unread_count, 0);
  });
});
