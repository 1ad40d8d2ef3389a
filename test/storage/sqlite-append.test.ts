// messages.append's seq is gap-free and duplicate-free under concurrency, and a resend
// with the same client_message_id returns the original.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import type { NewMessage } from "../../src/messaging/message.repository.ts";
import { openSqliteStorage } from "../../src/storage/sqlite/open.ts";
import type { Storage } from "../../src/storage/storage.ts";

let dir: string;
let s: Storage;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "sqlite-append-"));
  s = await openSqliteStorage({ path: join(dir, "db.sqlite") });
});

after(async () => {
  await s.close();
  rmSync(dir, { recursive: true, force: true });
});

const message = (key: string, n: number, sender = "u1"): NewMessage => ({
  id: `${key}-${n}`, conversation_key: key, client_message_id: `${key}-c${n}`, sender_id: sender,
  sender: { id: sender, username: sender, display_name: sender, avatar_url: null }, text: `text ${n}`, kind: "text",
  media: null, sticker: null, reply_to: null, mode: null, created_at: new Date(1_700_000_000_000 + n),
});

async function conversation(key: string): Promise<void> {
  await s.conversations.ensure({ key, type: "group", public_id: key, mode: null, created_at: new Date() }, [{ user_id: "u1", role: "owner" }]);
}

test("2000 concurrent appends over 20 conversations: each conversation's seqs are exactly 1..n", async () => {
  const keys = Array.from({ length: 20 }, (_, i) => `group:c${i}`);
  for (const key of keys) await conversation(key);
  const results = await Promise.all(Array.from({ length: 2000 }, (_, i) => s.messages.append(message(keys[(i * 7) % 20]!, i))));
  assert.ok(results.every((r) => r.created));
  for (const key of keys) {
    const seqs = (await s.messages.latest(key, 1000)).map((m) => m.seq);
    assert.deepEqual(seqs, Array.from({ length: 100 }, (_, i) => i + 1), key);
    assert.equal((await s.conversations.byKey(key))?.last_seq, 100);
    assert.equal(await s.messages.lastSeq(key), 100);
  }
});

test("a duplicate client_message_id returns the original with created=false", async () => {
  const key = "group:dup";
  await conversation(key);
  const first = await s.messages.append(message(key, 1));
  assert.equal(first.created, true);
  const again = await s.messages.append({ ...message(key, 1), id: "another-id", text: "changed" });
  assert.equal(again.created, false);
  assert.deepEqual(again.message, first.message);
  // Nothing was consumed: the next message takes seq 2.
  assert.equal((await s.messages.append(message(key, 2))).message.seq, 2);
  // Concurrent resends of one new message store it once.
  const racing = await Promise.all(Array.from({ length: 10 }, () => s.messages.append(message(key, 3))));
  assert.equal(racing.filter((r) => r.created).length, 1);
  assert.deepEqual((await s.messages.latest(key, 10)).map((m) => m.seq), [1, 2, 3]);
});

test("appending to a conversation that does not exist fails and stores nothing", async () => {
  await assert.rejects(s.messages.append(message("group:none", 1)), /does not exist/);
  assert.equal(await s.messages.lastSeq("group:none"), 0);
});
