// The SQLite-specific parts of the repositories' semantics: the event stream's positions,
// reactions in their own table, the merged lists, and db:copy round-tripping every table.
// (The shared contract suite checks the rest against both implementations.)
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { after, before, test } from "node:test";
import type { NewEvent } from "../../src/events/event.repository.ts";
import { COPY_TABLES } from "../../src/storage/copy.ts";
import { DuplicateKeyError, StorageUnavailableError } from "../../src/storage/errors.ts";
import { asyncRepo, SqliteDb } from "../../src/storage/sqlite/database.ts";
import { openSqliteStorage } from "../../src/storage/sqlite/open.ts";
import type { Storage } from "../../src/storage/storage.ts";

let dir: string;
let s: Storage;
const t0 = new Date("2024-01-01T00:00:00Z");
const at = (sec: number) => new Date(t0.getTime() + sec * 1000);

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "sqlite-repos-"));
  s = await openSqliteStorage({ path: join(dir, "a.sqlite") });
});

after(async () => {
  await s.close();
  rmSync(dir, { recursive: true, force: true });
});

const event = (e: Partial<NewEvent>): NewEvent => ({ type: "t", ns: "/", conversation_key: null, user_ids: [], payload: {}, created_at: t0, ...e });

test("events: a bad payload is rejected alone; after() merges the user's and the keys' events; prune never reuses a position", async () => {
  const cycle: Record<string, unknown> = {};
  cycle.self = cycle;
  const positions = await s.events.append([
    event({ user_ids: ["u1"], payload: { n: 1 } }),
    event({ payload: { big: 1n } }),
    event({ conversation_key: "k1", user_ids: ["u1"], payload: { n: 2 } }),
    event({ payload: cycle }),
    event({ conversation_key: "k2", payload: { n: 3 }, created_at: at(10) }),
    event({ conversation_key: "k1", payload: { n: 4 }, created_at: at(20) }),
  ]);
  assert.equal(positions[0], 1);
  assert.ok(positions[1] instanceof Error);
  assert.equal(positions[2], 2);
  assert.ok(positions[3] instanceof Error);
  assert.deepEqual(positions.slice(4), [3, 4]);

  const seqs = async (since: number, keys: string[], limit: number) => (await s.events.after(since, "u1", keys, limit)).map((e) => e.seq);
  assert.deepEqual(await seqs(0, ["k1", "k2"], 10), [1, 2, 3, 4]);
  assert.deepEqual(await seqs(0, ["k1"], 10), [1, 2, 4]); // event 2 is both the user's and k1's: once
  assert.deepEqual(await seqs(1, ["k1", "k2"], 2), [2, 3]);
  assert.deepEqual(await seqs(0, [], 10), [1, 2]);
  assert.equal(await s.events.head(), 4);

  const { epoch } = await s.events.stream();
  assert.equal(await s.events.prune(at(15)), 3);
  assert.deepEqual(await s.events.stream(), { epoch, pruned_through: 3 });
  assert.deepEqual(await seqs(0, ["k1", "k2"], 10), [4]);
  assert.equal(await s.events.prune(at(100)), 1);
  assert.equal(await s.events.head(), 4);
  assert.deepEqual(await s.events.append([event({ user_ids: ["u1"] })]), [5]);
});

test("messages: reactions toggle, edits keep history, a tombstone wipes content and reactions", async () => {
  const key = "dm:a|b";
  await s.conversations.ensure({ key, type: "dm", public_id: "d", mode: null, created_at: t0 }, [{ user_id: "a", role: "member" }]);
  const card = { id: "a", username: "a", display_name: "A", avatar_url: null };
  const base = { conversation_key: key, sender_id: "a", sender: card, kind: "text" as const, media: null, sticker: null, reply_to: null, mode: null };
  await s.messages.append({ ...base, id: "m1", client_message_id: "c1", text: "one", created_at: at(1) });
  await s.messages.append({ ...base, id: "m2", client_message_id: "c2", text: "two", created_at: at(2) });

  const heart = { emoji: "❤", at: at(3), username: "b" };
  assert.deepEqual((await s.messages.toggleReaction(key, "m1", "b", heart))?.reactions, { b: heart });
  const smile = { emoji: "🙂", at: at(4), username: "b" };
  assert.deepEqual((await s.messages.toggleReaction(key, "m1", "b", smile))?.reactions, { b: smile });
  assert.deepEqual((await s.messages.toggleReaction(key, "m1", "b", smile))?.reactions, {});
  await s.messages.toggleReaction(key, "m1", "c", heart);
  assert.equal(await s.messages.toggleReaction("dm:other", "m1", "b", heart), null);

  const edited = await s.messages.edit(key, "m1", "uno", at(5));
  assert.equal(edited?.text, "uno");
  assert.equal(edited?.edited, true);
  assert.deepEqual(edited?.edits, [{ text: "one", edited_at: at(5) }]);
  assert.deepEqual(edited?.reactions, { c: heart });

  const gone = await s.messages.tombstone(key, "m1", at(6));
  assert.equal(gone?.deleted, true);
  assert.equal(gone?.text, "");
  assert.deepEqual(gone?.edits, []);
  assert.deepEqual(gone?.reactions, {});
  assert.equal(gone?.seq, 1);
  assert.equal(await s.messages.edit(key, "m1", "again", at(7)), null);
  assert.equal(await s.messages.toggleReaction(key, "m1", "b", heart), null);
  assert.equal(await s.messages.tombstone(key, "nope", at(7)), null);

  assert.deepEqual(await s.messages.unreadCounts("b", [{ key, afterSeq: 0 }, { key: "dm:none", afterSeq: 0 }]), new Map([[key, 1], ["dm:none", 0]]));
  assert.equal((await s.messages.atTime(key, at(2)))?.id, "m2");
  assert.deepEqual((await s.messages.beforeTime(key, at(3), 5)).map((m) => m.seq), [1, 2]);
});

test("conversations and groups: ensure once, markRead never lowers, listOf and listVisible order", async () => {
  const c = { key: "couple:x_y", type: "couple" as const, public_id: "cp", mode: null, created_at: at(1) };
  const first = await s.conversations.ensure(c, [{ user_id: "x", role: "member" }]);
  const second = await s.conversations.ensure({ ...c, public_id: "other" }, [{ user_id: "z", role: "member" }]);
  assert.equal(first.created, true);
  assert.equal(second.created, false);
  assert.equal(second.conversation.public_id, "cp");
  assert.deepEqual((await s.conversations.members(c.key)).map((m) => m.user_id), ["x"]);
  assert.deepEqual(await s.conversations.markRead(c.key, "x", 5, at(2)), { seq: 5, advanced: true });
  assert.deepEqual(await s.conversations.markRead(c.key, "x", 3, at(3)), { seq: 5, advanced: false });
  assert.equal(await s.conversations.markRead(c.key, "nobody", 3, at(3)), null);

  const group = (id: string, is_public: boolean, sec: number) => ({ id, name: id, description: "", is_public, owner_id: "o", avatar_url: null, created_at: at(sec) });
  await s.groups.create(group("g1", true, 1), [{ user_id: "x", role: "owner" }]);
  await s.groups.create(group("g2", false, 2), [{ user_id: "x", role: "owner" }]);
  await s.groups.create(group("g3", true, 3), []);
  await s.groups.create(group("g4", false, 4), []);
  await assert.rejects(s.groups.create(group("g1", true, 5), []), (e: unknown) => e instanceof DuplicateKeyError && e.key === "id");
  await s.groups.touch("g1", at(10));
  const ids = async (user: string, mine: boolean, limit: number) => (await s.groups.listVisible(user, mine, limit)).map((g) => g.id);
  assert.deepEqual(await ids("x", false, 10), ["g1", "g3", "g2"]);
  assert.deepEqual(await ids("x", true, 10), ["g1", "g2"]);
  assert.deepEqual(await ids("y", false, 1), ["g1"]);

  const types = await s.conversations.listOf("x", "group", 10);
  assert.deepEqual(types.map((r) => r.conversation.key), ["group:g2", "group:g1"]);
  assert.equal(types[0]?.member.role, "owner");

  assert.equal(await s.groups.remove("g1"), true);
  assert.equal(await s.groups.remove("g1"), false);
  assert.equal(await s.conversations.byKey("group:g1"), null);
  assert.deepEqual(await s.conversations.keysOf("x"), ["couple:x_y", "group:g2"]);
});

test("users: duplicate keys, partner links", async () => {
  const u = (id: string, phone: string, username: string) => ({ id, phone, username, display_name: id, password_hash: "h", email: null });
  await s.users.create(u("p1", "+1", "one"));
  await s.users.create(u("p2", "+2", "two"));
  await s.users.create(u("p3", "+3", "three"));
  await assert.rejects(s.users.create(u("p4", "+1", "one")), (e: unknown) => e instanceof DuplicateKeyError && e.key === "phone");
  await assert.rejects(s.users.create(u("p4", "+4", "one")), (e: unknown) => e instanceof DuplicateKeyError && e.key === "username");
  assert.equal(await s.users.linkPartners("p1", "p2"), "linked");
  assert.equal(await s.users.linkPartners("p3", "p2"), "b_taken");
  assert.equal((await s.users.byId("p3"))?.partner_id, null); // the claim of p3 was undone
  assert.equal(await s.users.linkPartners("p1", "p3"), "a_taken");
  await s.users.unlinkPartners("p1", "p2");
  assert.equal((await s.users.byId("p2"))?.partner_id, null);
  const updated = await s.users.update("p1", { mood: "happy", email: undefined });
  assert.equal(updated?.mood, "happy");
  assert.deepEqual(await s.users.byId("p1"), updated);
});

test("db:copy: every table copied page by page into another database reads back the same", async () => {
  await s.sessions.createSession({ id: "s1", user_id: "p1", expires_at: at(100) });
  await s.sessions.addRefreshToken({ id: "r1", session_id: "s1", user_id: "p1", expires_at: at(100) });
  await s.partnerRequests.create({ id: "q1", sender_id: "p1", recipient_id: "p3", created_at: at(1) });
  await s.profiles.upsert("p1", { bio: "b", interests: ["x"] }, at(1));
  await s.stickers.seed([{ id: "pk", name: "P", stickers: [{ id: "s", emoji: "e", label: "l", url: "/u" }], created_at: at(1) }]);
  await s.uploads.record({ id: "up", owner_id: "p1", type: "image", urls: ["/o", "/t"], bytes: 3, created_at: at(1) });
  await s.events.append([event({ conversation_key: "dm:a|b", user_ids: ["a", "b"], payload: { deep: { list: [1, "x", null] } } })]);

  const target = await openSqliteStorage({ path: join(dir, "b.sqlite") });
  try {
    for (const table of COPY_TABLES) {
      let after: string | null = null;
      do {
        const page = await s.copy.page(table, after, 2);
        // Dates as ISO strings, as a copy through JSON would bring them.
        await target.copy.upsert(table, JSON.parse(JSON.stringify(page.rows)) as Record<string, unknown>[]);
        after = page.next;
      } while (after !== null);
      assert.equal(await target.copy.count(table), await s.copy.count(table), table);
      assert.deepEqual(await target.copy.page(table, null, 1000), await s.copy.page(table, null, 1000), table);
      // A second copy changes nothing.
      await target.copy.upsert(table, (await s.copy.page(table, null, 1000)).rows);
      assert.equal(await target.copy.count(table), await s.copy.count(table), table);
    }
    assert.equal((await target.uploads.byUrl("/t"))?.id, "up");
    assert.deepEqual(await target.events.after(0, "b", [], 10), await s.events.after(0, "b", [], 10));
    assert.deepEqual(await target.events.stream(), await s.events.stream());
  } finally {
    await target.close();
  }
});

test("the database refusing a write (here: full) is a StorageUnavailableError naming the file", async () => {
  const raw = new DatabaseSync(":memory:");
  raw.exec("CREATE TABLE t (v BLOB); PRAGMA max_page_count = 2");
  const db = new SqliteDb(raw, "/data/full.sqlite");
  const repo = asyncRepo<{ put(): Promise<void> }>(db, { put: () => void db.run("INSERT INTO t VALUES (zeroblob(100000))") });
  await assert.rejects(repo.put(), (e: unknown) => e instanceof StorageUnavailableError && e.message === "/data/full.sqlite: the disk is full");
  raw.close();
});
