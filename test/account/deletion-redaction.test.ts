// Nothing half-deleted is served while an account deletion runs (issue 15). A deletion is
// held in its messages step after one page (most of the user's messages still stored with
// their text), and everything the OTHER participants read meanwhile is checked for the
// deleted user's words: history, the latest window (primed before the deletion, so it is
// served from the cache), one message by id, the DM thread list, the sync log, an export,
// and a reply over the socket quoting one of those messages. Then the deletion finishes and
// the same reads still show tombstones with every seq.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createAccountDeletion } from "../../src/account/account-deletion.service.ts";
import { request } from "../support/clients.ts";
import { closeAll, cmid, connectReady, messagePaths, post, stopWhenDrained } from "../support/conversations.ts";
import { buildCouple, buildGroup, buildUser, dmIdOf } from "../support/factories.ts";
import { startStack, type Stack } from "../support/stack.ts";
import { lines, readTar } from "./tar-reader.ts";

let stack: Stack;
before(async () => {
  stack = await startStack();
});
after(() => stopWhenDrained(stack));

const SECRET = "secret-of-a";

/** A deletion over the server's storage that stops after its first page of messages until released. */
function heldDeletion() {
  const s = stack.server.app.services;
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  let reached!: () => void;
  const held = new Promise<void>((r) => (reached = r));
  let pages = 0;
  const deletion = createAccountDeletion({
    repo: s.storage.accountDeletions, users: s.storage.users, partnerRequests: s.storage.partnerRequests, conversations: s.storage.conversations, groupRecords: s.storage.groups, blockRecords: s.storage.blocks,
    hasher: { hash: async () => "", verify: async () => true }, guard: { attempt: async () => {}, succeeded: async () => {} } as never,
    sessionEnding: s.sessionEnding, couples: s.couples, groups: s.groups, blocks: s.blocks, media: s.media.storage,
    // No window invalidation at all: what the cache holds must be redacted on the way out.
    window: { invalidate: async () => {} },
    usersChanged: (ids) => s.userFacts.forget(ids),
    audit: s.audit, log: { error: () => {}, warn: () => {}, info: () => {}, debug: () => {} } as never,
    pageSize: 2,
    onProgress: async (p) => {
      if (p.step === "messages" && ++pages === 1) {
        reached();
        await released;
      }
    },
  });
  return { deletion, held, release };
}

describe("an account deletion in progress", () => {
  it("serves the user's not-yet-tombstoned messages as tombstones on every read path", async () => {
    const { a, b, chatId } = await buildCouple(stack.api);
    const c = await buildUser(stack.api);
    const couple = messagePaths("couple", chatId);
    const dm = messagePaths("dm", dmIdOf(a, c));
    const groupId = await buildGroup(stack.api, b, [a, c]);
    const group = messagePaths("group", groupId);
    const fromB = await post(stack.api, { paths: couple }, b, "hello from b");
    const mine = [];
    for (let i = 0; i < 4; i++) mine.push(await post(stack.api, { paths: couple }, a, `${SECRET} couple ${i}`));
    assert.equal((await stack.api.post(couple.reactions(fromB.id), { emoji: "👍" }, a.token)).status, 200);
    const quoted = await stack.api.post(couple.post, { text: "b quotes a", reply_to_message_id: mine[3]!.id }, b.token);
    assert.equal(quoted.status, 201);
    await post(stack.api, { paths: dm }, a, `${SECRET} dm`);
    await post(stack.api, { paths: group }, a, `${SECRET} group 1`);
    const inGroup = await post(stack.api, { paths: group }, a, `${SECRET} group 2`);
    // The latest windows are filled before the deletion starts.
    for (const [p, who] of [[couple, b], [dm, c], [group, c]] as const) assert.equal((await stack.api.get(p.latest(20), who.token)).status, 200);

    const s = stack.server.app.services;
    const { deletion, held, release } = heldDeletion();
    const started = await deletion.request({ userId: a.id }, a.password, { ip: null, device: null } as never);
    await held;
    try {
      const stored = await s.storage.messages.after(`couple:${chatId}`, 0, 50);
      assert.ok(stored.some((m) => m.sender_id === a.id && !m.deleted && m.text.includes(SECRET)), "the job is midway: some of a's messages still hold their text");

      const reads: [string, string][] = [
        [couple.history(), b.token], [couple.latest(20), b.token], [couple.byId(mine[3]!.id), b.token],
        [dm.history(), c.token], [dm.latest(5), c.token], [group.history(), c.token], [group.latest(20), c.token],
        ["/api/dm/threads", c.token], ["/api/events/sync?since=0&limit=100", b.token], ["/api/events/sync?since=0&limit=100", c.token],
      ];
      for (const [path, token] of reads) {
        const res = await stack.api.get(path, token);
        assert.equal(res.status, 200, `${path}: ${JSON.stringify(res.body)}`);
        assert.ok(!JSON.stringify(res.body).includes(SECRET), `${path} serves a's text: ${JSON.stringify(res.body).slice(0, 400)}`);
      }
      const history = (await stack.api.get(couple.history(), b.token)).body.messages as any[];
      assert.deepEqual(history.map((m) => m.seq), [1, 2, 3, 4, 5, 6], "every seq kept");
      for (const m of history.filter((x) => x.sender.id === a.id)) {
        assert.deepEqual([m.deleted, m.text, m.media, m.sender.display_name, Object.keys(m.reactions).length], [true, "", null, "Deleted user", 0]);
      }
      assert.equal(history.find((m) => m.id === quoted.body.id).reply_to.sender.display_name, "Deleted user");
      const threads = (await stack.api.get("/api/dm/threads", c.token)).body.threads as any[];
      assert.equal(threads[0].latest.deleted, true);

      const archive = await fetch(stack.url + "/api/users/me/export", { headers: { authorization: `Bearer ${b.token}` } });
      assert.equal(archive.status, 200);
      const exported = lines(readTar(Buffer.from(await archive.arrayBuffer())).get("messages.jsonl"));
      assert.ok(exported.length >= 6);
      assert.ok(!JSON.stringify(exported).includes(SECRET), "b's export carries none of a's text");

      // The socket path: a reply quoting one of a's messages has nothing left to quote (the
      // group: the couple chat is read-only since the deletion's break-up step).
      const sb = await connectReady(stack.url, "groups", b.token);
      try {
        const ack = await request(sb, "send_message", { chat_id: groupId, client_message_id: cmid(), text: "replying", reply_to_message_id: inGroup.id });
        assert.equal(!ack.ok && ack.error.code, "validation_error");
        const ok = await request(sb, "send_message", { chat_id: groupId, client_message_id: cmid(), text: "plain" });
        assert.ok(ok.ok && !JSON.stringify(ok).includes(SECRET));
      } finally {
        closeAll(sb);
      }
    } finally {
      release();
    }
    await started.settled;
    const finished = (await stack.api.get(couple.history(), b.token)).body.messages as any[];
    assert.deepEqual(finished.map((m) => m.seq), [1, 2, 3, 4, 5, 6]);
    assert.ok(!JSON.stringify(finished).includes(SECRET));
    assert.ok((await s.storage.messages.after(`couple:${chatId}`, 0, 50)).every((m) => !m.text.includes(SECRET)), "tombstoned in storage");
  });
});
