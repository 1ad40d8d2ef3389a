// `npm run db:copy`: SQLite → MongoDB (FerretDB) → SQLite keeps every table identical; a
// second run changes nothing; an interrupted copy resumes; the previous release's layout
// (mongoose on FerretDB/MongoDB) converts into today's records; the CLI runs as a process.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import mongoose from "mongoose";
import { newId } from "../../src/shared/ids.ts";
import { COPY_TABLES, type CopySource, type CopyTable } from "../../src/storage/copy.ts";
import { fileCheckpoint, memoryCheckpoint, runCopy, type CopyDestination } from "../../src/storage/copy-run.ts";
import { openLegacySource } from "../../src/storage/mongo/legacy-source.ts";
import { openMongoStorage } from "../../src/storage/mongo/open.ts";
import { openSqliteStorage } from "../../src/storage/sqlite/open.ts";
import type { Storage } from "../../src/storage/storage.ts";
import { startDatabase, type TestDatabase } from "../support/database.ts";

const root = join(import.meta.dirname, "..", "..");
let db: TestDatabase;
let dir: string;
const opened: Storage[] = [];

/** A database of its own on the test's FerretDB (one per scenario). */
function mongoUri(name: string): string {
  const u = new URL(db.uri);
  u.pathname = `/${name}`;
  return u.toString();
}

async function sqlite(name: string): Promise<Storage> {
  const s = await openSqliteStorage({ path: join(dir, `${name}.sqlite`) });
  opened.push(s);
  return s;
}

async function mongo(name: string): Promise<Storage> {
  const s = await openMongoStorage({ uri: mongoUri(name) });
  opened.push(s);
  return s;
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "db-copy-test-"));
  db = await startDatabase();
});

after(async () => {
  for (const s of opened) await s.close().catch(() => {});
  await db?.stop();
  rmSync(dir, { recursive: true, force: true });
});

// ---- the data -------------------------------------------------------------------------

const t0 = Date.UTC(2026, 10, 1, 12, 0, 0);
const at = (sec: number) => new Date(t0 + sec * 1000);

interface Filled {
  users: { id: string; username: string }[];
  coupleKey: string;
  groupKey: string;
  dmKey: string;
  messageIds: string[];
}

/** Fills a storage through its repositories with a bit of everything. */
async function fill(s: Storage): Promise<Filled> {
  const users = [];
  for (let i = 0; i < 4; i++) {
    const id = newId(t0 + i * 1000);
    const u = await s.users.create({ id, phone: `+1555000${i}${i}${i}${i}`, username: `user_${i}_${id.slice(-6)}`, display_name: `User ${i}`, password_hash: `$2b$10$hash${i}`, email: i === 0 ? "zero@example.com" : null });
    users.push(u);
  }
  const [a, b, c, d] = users as [(typeof users)[0], (typeof users)[0], (typeof users)[0], (typeof users)[0]];
  await s.users.update(a.id, { mood: "happy", bubble_color: "#ff0066", avatar_url: "/media/a.png" });

  // Auth: a session with two refresh tokens, one of them claimed; a revoked session.
  await s.sessions.createSession({ id: "sid-1", user_id: a.id, expires_at: at(86_400) });
  await s.sessions.addRefreshToken({ id: "jti-1", session_id: "sid-1", user_id: a.id, expires_at: at(86_400) });
  await s.sessions.addRefreshToken({ id: "jti-2", session_id: "sid-1", user_id: a.id, expires_at: at(86_400) });
  assert.equal(await s.sessions.claimRefreshToken("jti-1", at(60)), true);
  await s.sessions.createSession({ id: "sid-2", user_id: b.id, expires_at: at(86_400) });
  await s.sessions.revokeSession("sid-2", "logout", at(120));

  // Couples: an accepted request, the link, the couple chat; a pending request.
  const req = await s.partnerRequests.create({ id: newId(t0), sender_id: a.id, recipient_id: b.id, created_at: at(1) });
  await s.partnerRequests.transition(req.id, "pending", "accepted", at(2));
  await s.partnerRequests.create({ id: newId(t0 + 5000), sender_id: c.id, recipient_id: d.id, created_at: at(5) });
  assert.equal(await s.users.linkPartners(a.id, b.id), "linked");
  const chatId = [a.id, b.id].sort().join("_");
  const coupleKey = `couple:${chatId}`;
  await s.conversations.ensure({ key: coupleKey, type: "couple", public_id: chatId, mode: "normal", created_at: at(3) }, [
    { user_id: a.id, role: "member" },
    { user_id: b.id, role: "member" },
  ]);

  // A group with three members (owner, admin, member); a DM.
  const groupId = "g-copytest";
  const groupKey = `group:${groupId}`;
  await s.groups.create({ id: groupId, name: "Copy test", description: "three people", is_public: false, owner_id: a.id, avatar_url: null, created_at: at(10) }, [
    { user_id: a.id, role: "owner" },
    { user_id: c.id, role: "admin" },
    { user_id: d.id, role: "member" },
  ]);
  const dmKey = `dm:${[b.id, c.id].sort().join("|")}`;
  await s.conversations.ensure({ key: dmKey, type: "dm", public_id: dmKey, mode: null, created_at: at(11) }, [
    { user_id: b.id, role: "member" },
    { user_id: c.id, role: "member" },
  ]);

  // Messages: in all three, one with media, one sticker, one reply; then an edit, reactions, a tombstone.
  const card = (u: typeof a) => ({ id: u.id, username: u.username, display_name: u.display_name, avatar_url: u.avatar_url });
  const messageIds: string[] = [];
  const send = async (key: string, from: typeof a, text: string, extra: Partial<Parameters<Storage["messages"]["append"]>[0]> = {}) => {
    const id = newId(t0 + messageIds.length * 1000);
    const { message } = await s.messages.append({
      id,
      conversation_key: key,
      client_message_id: `cm-${messageIds.length}`,
      sender_id: from.id,
      sender: card(from),
      text,
      kind: "text",
      media: null,
      sticker: null,
      reply_to: null,
      mode: key.startsWith("couple:") ? "normal" : null,
      created_at: at(20 + messageIds.length),
      ...extra,
    });
    messageIds.push(message.id);
    return message;
  };
  const m1 = await send(coupleKey, a, "hello");
  await send(coupleKey, b, "hi there");
  await send(coupleKey, a, "", { kind: "image", media: { original: "/media/x.png", preview: "/media/x-p.png", thumbnail: null, type: "image", bytes: 1234, width: 10, height: 20 } });
  const g1 = await send(groupKey, a, "welcome to the group");
  await send(groupKey, c, "thanks", { reply_to: { message_id: g1.id, sender: card(a), text: g1.text, timestamp: g1.created_at.toISOString(), kind: "text" } });
  await send(groupKey, d, "", { kind: "sticker", sticker: { pack_id: "basic", sticker_id: "wave", url: "/stickers/basic/wave.svg" } });
  // Mentions (issue 14): d is mentioned by c, and mutes the group.
  await send(groupKey, c, `@${d.username} look`, { mentions: [d.id] });
  await s.conversations.setMute(groupKey, d.id, at(86_400 * 365));
  const g4 = await send(groupKey, c, "to be deleted");
  await send(dmKey, b, "psst");
  await s.messages.edit(coupleKey, m1.id, "hello, edited", at(100));
  await s.messages.toggleReaction(coupleKey, m1.id, b.id, { emoji: "❤️", at: at(101), username: b.username });
  await s.messages.toggleReaction(groupKey, g1.id, c.id, { emoji: "👍", at: at(102), username: c.username });
  await s.messages.toggleReaction(groupKey, g1.id, d.id, { emoji: "🎉", at: at(103), username: d.username });
  await s.messages.tombstone(groupKey, g4.id, at(104));

  // Read positions.
  await s.conversations.markRead(coupleKey, b.id, 2, at(110));
  await s.conversations.markRead(groupKey, c.id, 3, at(111));
  await s.conversations.markRead(groupKey, d.id, 1, at(112));

  // Events: addressed to a conversation and to users, with nested payloads.
  await s.events.stream();
  const seqs = await s.events.append([
    { type: "new_message", ns: "couples", conversation_key: coupleKey, user_ids: [], payload: { message: { id: m1.id, text: "hello", nested: { deep: [1, 2, { x: null }] } } }, created_at: at(20) },
    { type: "group_deleted", ns: "groups", conversation_key: null, user_ids: [a.id, c.id], payload: { group_id: "g-old" }, created_at: at(30) },
    { type: "read_receipt", ns: "groups", conversation_key: groupKey, user_ids: [], payload: { seq: 3, user_id: c.id, at: at(111).toISOString() }, created_at: at(111) },
  ]);
  assert.ok(seqs.every((x) => typeof x === "number"), `events appended: ${seqs.map(String).join(", ")}`);

  // Profiles, stickers, an upload.
  await s.profiles.upsert(a.id, { bio: "hi", birthdate: "1990-01-02", interests: ["chess", "tea"], social_links: [{ platform: "web", url: "https://example.com" }], photos: ["/media/p1.png"] }, at(130));
  await s.profiles.upsert(b.id, { city: "Lisbon" }, at(131));
  await s.stickers.seed([
    { id: "basic", name: "Basic", stickers: [{ id: "wave", emoji: "👋", label: "Wave", url: "/stickers/basic/wave.svg" }], created_at: at(0) },
    { id: "more", name: "More", stickers: [], created_at: at(1) },
  ]);
  await s.uploads.record({ id: newId(t0), owner_id: a.id, type: "image", urls: ["/media/x.png", "/media/x-p.png"], bytes: 1234, created_at: at(19) });
  await s.pushSubscriptions.upsert({ id: newId(t0), user_id: a.id, session_id: newId(t0), type: "webpush", address: "https://push.example/a", keys: { p256dh: "k", auth: "s" }, platform: null, created_at: at(20) });
  await s.pushSubscriptions.upsert({ id: newId(t0), user_id: b.id, session_id: newId(t0), type: "fcm", address: "fcm-token-b", keys: null, platform: "android", created_at: at(21) });
  await s.blocks.add({ blocker_id: a.id, blocked_id: b.id, created_at: at(22) });
  await s.blocks.add({ blocker_id: b.id, blocked_id: a.id, created_at: at(23) });
  // Audit (issue 15): events with flat data, one without a client; a session's device, address and last use
  // (on a session made above: a row more would move where the resume test's simulated crash lands).
  await s.audit.append({ id: newId(t0), user_id: a.id, type: "login", at: at(24), ip: "203.0.113.5", device: "Firefox on Linux", data: { session_id: "sid-1", method: "password" } });
  await s.audit.append({ id: newId(t0 + 1000), user_id: a.id, type: "suspension", at: at(25), ip: null, device: null, data: { action: "suspended", days: 3, indefinite: false, note: null } });
  await s.sessions.touchSession("sid-1", at(26), { device: "Chrome on Android", ip: "2001:db8::1" });

  // Moderation (issue 15): a message report (its snapshot), a resolved user report, a suspension, a ban, a post block.
  const snapshot = { sender: card(a), text: g1.text, kind: g1.kind, media: null, sticker: null, seq: g1.seq, created_at: g1.created_at.toISOString() };
  await s.reports.file({ id: newId(t0 + 2000), reporter_id: d.id, target_type: "message", target_user_id: a.id, conversation_key: groupKey, message_id: g1.id, reason: "spam", note: "odd $keys.here", snapshot, created_at: at(27) });
  const userReport = await s.reports.file({ id: newId(t0 + 3000), reporter_id: b.id, target_type: "user", target_user_id: c.id, conversation_key: null, message_id: null, reason: "harassment", note: null, snapshot: null, created_at: at(28) });
  await s.reports.resolve(userReport.report.id, { action: "suspend_account", note: "3 days", by: a.id, at: at(29) });
  await s.users.setSuspension(c.id, { until: at(3 * 86_400), reason: "harassment" });
  await s.groupSanctions.ban({ group_id: groupId, user_id: b.id, banned_by: a.id, reason: "spam", created_at: at(30) });
  await s.groupSanctions.blockPosting({ group_id: groupId, user_id: d.id, until: at(86_400), blocked_by: c.id, created_at: at(31) });

  return { users, coupleKey, groupKey, dmKey, messageIds };
}

// ---- comparing --------------------------------------------------------------------------

/** What identifies a row of each table (to sort both sides the same way). */
const IDENTITY: Record<CopyTable, (r: Record<string, unknown>) => string> = {
  users: (r) => String(r.id),
  sessions: (r) => String(r.id),
  refresh_tokens: (r) => String(r.id),
  partner_requests: (r) => String(r.id),
  conversations: (r) => String(r.key),
  members: (r) => `${String(r.conversation_key)}\u0000${String(r.user_id)}`,
  messages: (r) => String(r.id),
  events: (r) => String(r.seq).padStart(12, "0"),
  stream: () => "main",
  groups: (r) => String(r.id),
  profiles: (r) => String(r.user_id),
  sticker_packs: (r) => String(r.id),
  uploads: (r) => String(r.id),
  push_subscriptions: (r) => String(r.id),
  blocks: (r) => `${String(r.blocker_id)}\u0000${String(r.blocked_id)}`,
  audit_events: (r) => String(r.id),
  reports: (r) => String(r.id),
  group_bans: (r) => `${String(r.group_id)}\u0000${String(r.user_id)}`,
  group_post_blocks: (r) => `${String(r.group_id)}\u0000${String(r.user_id)}`,
};

/** Every row of every table, pages joined, sorted by identity, dates as ISO strings. */
async function dump(src: CopySource, batch = 3): Promise<Record<CopyTable, unknown[]>> {
  const out = {} as Record<CopyTable, unknown[]>;
  for (const table of COPY_TABLES) {
    const rows: Record<string, unknown>[] = [];
    let cursor: string | null = null;
    for (let guard = 0; ; guard++) {
      assert.ok(guard < 10_000, `${table}: paging does not end`);
      const p = await src.page(table, cursor, batch);
      rows.push(...p.rows);
      if (p.next === null) break;
      cursor = p.next;
    }
    assert.equal(rows.length, await src.count(table), `${table}: pages and count agree`);
    rows.sort((x, y) => (IDENTITY[table](x) < IDENTITY[table](y) ? -1 : 1));
    out[table] = JSON.parse(JSON.stringify(rows)) as unknown[];
  }
  return out;
}

function assertSameData(actual: Record<CopyTable, unknown[]>, expected: Record<CopyTable, unknown[]>, what: string) {
  for (const table of COPY_TABLES) assert.deepEqual(actual[table], expected[table], `${what}: table ${table}`);
}

async function counts(src: CopySource): Promise<Record<string, number>> {
  return Object.fromEntries(await Promise.all(COPY_TABLES.map(async (t) => [t, await src.count(t)] as const)));
}

// ---- the tests ----------------------------------------------------------------------------

describe("db:copy", () => {
  let a: Storage;
  let filled: Filled;
  let original: Record<CopyTable, unknown[]>;
  /** The MongoDB copy (one message more than `a` after the chain test). */
  let chain: Storage;

  before(async () => {
    a = await sqlite("a");
    filled = await fill(a);
    original = await dump(a.copy);
  });

  test("the fixture has something in every table", () => {
    for (const table of COPY_TABLES) assert.ok(original[table].length > 0, `${table} is empty in the fixture`);
    const members = original.members as { conversation_key: string }[];
    assert.equal(members.filter((m) => m.conversation_key === filled.groupKey).length, 3);
  });

  test("SQLite → MongoDB → SQLite keeps every table, twice over", async () => {
    const m = (chain = await mongo("copy_chain"));
    const lines: string[] = [];
    const first = await runCopy(a.copy, m.copy, { batch: 2, log: (l) => lines.push(l) });
    assert.ok(first.ok, `mismatches: ${first.mismatches.join(", ")}\n${lines.join("\n")}`);
    assertSameData(await dump(m.copy), original, "in MongoDB");
    for (const r of first.tables) {
      assert.equal(r.targetBefore, 0, `${r.table} target was empty`);
      assert.equal(r.copied, r.sourceCount, `${r.table} copied every row`);
    }
    assert.ok(lines.some((l) => /^messages: \d+\/\d+ rows, \d+ rows\/s \(done\)$/.test(l)), `progress lines:\n${lines.join("\n")}`);
    assert.ok(lines.some((l) => /^messages: ok, source \d+, target \d+$/.test(l)), lines.join("\n"));

    // Idempotent: the same copy again leaves the same counts and the same data.
    const before = await counts(m.copy);
    const second = await runCopy(a.copy, m.copy, { batch: 5 });
    assert.ok(second.ok, `second run: ${second.mismatches.join(", ")}`);
    assert.deepEqual(await counts(m.copy), before);
    for (const r of second.tables) assert.equal(r.targetBefore, r.sourceCount, `${r.table}: second run saw the first run's rows`);
    assertSameData(await dump(m.copy), original, "in MongoDB after the second run");

    const b = await sqlite("b");
    const back = await runCopy(m.copy, b.copy, { batch: 1000 });
    assert.ok(back.ok, `back: ${back.mismatches.join(", ")}`);
    assertSameData(await dump(b.copy), original, "back in SQLite");

    // The copy works through the repositories too, not only through the bulk interface.
    const [ua, ub] = filled.users as [Filled["users"][0], Filled["users"][0]];
    for (const s of [m, b]) {
      assert.equal((await s.users.byId(ua.id))?.partner_id, ub.id);
      const group = await s.conversations.members(filled.groupKey);
      assert.deepEqual(
        group.map((x) => [x.user_id, x.role, x.read_seq]).sort(),
        [
          [filled.users[0]!.id, "owner", 0],
          [filled.users[2]!.id, "admin", 3],
          [filled.users[3]!.id, "member", 1],
        ].sort(),
      );
      // A copied mention is a mention there too (SQLite rebuilds its mention rows from the message), and so is the mute.
      const ofD = (await s.messages.unreadOfUsers([filled.users[3]!.id])).find((r) => r.conversation_key === filled.groupKey);
      assert.deepEqual([ofD?.unread, ofD?.mentioned, ofD?.muted_until?.toISOString()], [2, true, at(86_400 * 365).toISOString()], `${s.kind}: d's unread state`);
      const [first1] = await s.messages.latest(filled.coupleKey, 3);
      assert.equal(first1?.text, "hello, edited");
      assert.equal(first1?.edits.length, 1);
      assert.equal(first1?.reactions[ub.id]?.emoji, "❤️");
      // The next message continues the sequence.
      const next = await s.messages.append({ id: newId(), conversation_key: filled.coupleKey, client_message_id: `after-copy-${s.kind}`, sender_id: ua.id, sender: { id: ua.id, username: ua.username, display_name: "User 0", avatar_url: null }, text: "after the copy", kind: "text", media: null, sticker: null, reply_to: null, mode: "normal", created_at: new Date() });
      assert.equal(next.message.seq, 4);
      assert.equal(await s.sessions.claimRefreshToken("jti-1", new Date()), false, "a claimed token stays claimed");
    }
  });

  test("an interrupted copy resumes where it stopped and skips finished tables", async () => {
    const target = await sqlite("resumed");
    const checkpoint = memoryCheckpoint();
    let upserts = 0;
    const failing: CopyDestination = {
      count: (t) => target.copy.count(t),
      async upsert(table, rows) {
        if (++upserts > 12) throw new Error("simulated crash");
        await target.copy.upsert(table, rows);
      },
    };
    const endpoints = { source: "a", target: "resumed" };
    await assert.rejects(runCopy(a.copy, failing, { batch: 2, checkpoint, endpoints }), /simulated crash/);
    const saved = checkpoint.current!;
    assert.ok(saved, "a checkpoint was kept");
    const finished = COPY_TABLES.filter((t) => saved.tables[t]?.done);
    const unfinished = COPY_TABLES.find((t) => saved.tables[t] && !saved.tables[t]!.done)!;
    assert.ok(finished.length > 0 && unfinished, `stopped midway: ${JSON.stringify(saved.tables)}`);

    // A checkpoint for another copy is not used.
    const lines: string[] = [];
    const other = memoryCheckpoint();
    other.save({ ...saved, source: "elsewhere" });
    const probe = await sqlite("probe");
    const fresh = await runCopy(a.copy, probe.copy, { batch: 50, checkpoint: other, endpoints, log: (l) => lines.push(l) });
    assert.ok(fresh.ok);
    assert.ok(lines.some((l) => l.startsWith("ignoring memory")), lines.join("\n"));

    lines.length = 0;
    const resumed = await runCopy(a.copy, target.copy, { batch: 2, checkpoint, endpoints, log: (l) => lines.push(l) });
    assert.ok(resumed.ok, `resumed: ${resumed.mismatches.join(", ")}\n${lines.join("\n")}`);
    assert.ok(lines.some((l) => l.startsWith("resuming from memory")), lines.join("\n"));
    for (const t of finished) assert.equal(resumed.tables.find((r) => r.table === t)!.copied, 0, `${t} was not copied again`);
    const u = resumed.tables.find((r) => r.table === unfinished)!;
    assert.ok(u.copiedTotal >= u.sourceCount && u.copied < u.sourceCount, `${unfinished} continued after its cursor: ${JSON.stringify(u)}`);
    assert.equal(checkpoint.current, null, "the checkpoint is removed once the copy is complete");
    assertSameData(await dump(target.copy), original, "after the resume");
  });

  test("a file checkpoint survives between processes and is removed at the end", async () => {
    const path = join(dir, "file-target.sqlite.copy-state.json");
    const target = await sqlite("file-target");
    const abort = new AbortController();
    let pages = 0;
    const stopping: CopyDestination = {
      count: (t) => target.copy.count(t),
      async upsert(table, rows) {
        await target.copy.upsert(table, rows);
        if (++pages === 5) abort.abort();
      },
    };
    await assert.rejects(runCopy(a.copy, stopping, { batch: 1, checkpoint: fileCheckpoint(path), signal: abort.signal }), { name: "CopyInterrupted" });
    assert.ok(existsSync(path));
    const result = await runCopy(a.copy, target.copy, { batch: 1, checkpoint: fileCheckpoint(path) });
    assert.ok(result.ok);
    assert.ok(!existsSync(path));
  });

  test("a count mismatch names the table", async () => {
    const target = await sqlite("mismatch");
    const lossy: CopyDestination = {
      count: (t) => target.copy.count(t),
      upsert: (table, rows) => target.copy.upsert(table, table === "profiles" ? rows.slice(1) : rows),
    };
    const lines: string[] = [];
    const result = await runCopy(a.copy, lossy, { log: (l) => lines.push(l) });
    assert.equal(result.ok, false);
    assert.deepEqual(result.mismatches, ["profiles"]);
    assert.ok(lines.some((l) => l.startsWith("profiles: MISMATCH")), lines.join("\n"));
  });

  test("the CLI copies from MongoDB into a SQLite file and rejects bad arguments", async () => {
    const file = join(dir, "cli", "chat.sqlite");
    const ok = await run(["--from", mongoUri("copy_chain"), "--to", file, "--batch", "3"]);
    assert.equal(ok.code, 0, ok.stderr + ok.stdout);
    assert.match(ok.stdout, /messages: \d+\/\d+ rows, \d+ rows\/s \(done\)/);
    assert.match(ok.stdout, /every table verified/);
    assert.ok(!existsSync(`${file}.copy-state.json`), "no checkpoint left behind");
    const copied = await sqlite("cli/chat");
    assert.deepEqual(await counts(copied.copy), await counts(chain.copy));

    const badBatch = await run(["--from", file, "--to", join(dir, "x.sqlite"), "--batch", "lots"]);
    assert.equal(badBatch.code, 2);
    assert.match(badBatch.stderr, /--batch: must be an integer/);
    const missing = await run(["--from", join(dir, "nope.sqlite"), "--to", join(dir, "x.sqlite")]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--from: no such SQLite file/);
    const legacyTarget = await run(["--from", file, "--to", "legacy+mongodb://127.0.0.1:1/chat"]);
    assert.equal(legacyTarget.code, 2);
    assert.match(legacyTarget.stderr, /can only be copied from/);
    const unknown = await run(["--from", file]);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /--to: is required/);
  });
});

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(root, "src/storage/copy-cli.ts"), ...args], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c) => (stdout += c));
    child.stderr.on("data", (c) => (stderr += c));
    child.on("error", reject);
    child.on("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

// ---- the previous release's layout -----------------------------------------------------------

describe("db:copy from the previous release's layout", () => {
  test("ObjectIds, group member arrays, read states, reactions and trailing heads convert", async () => {
    const uri = mongoUri("legacy");
    const conn = mongoose.createConnection(uri);
    await conn.asPromise();
    const raw = conn.db!;
    const { ObjectId } = mongoose.mongo;
    type Oid = InstanceType<typeof ObjectId>;
    const oid = (ms: number): Oid => new ObjectId(newId(ms));
    const [u1, u2, u3, u4] = [oid(t0), oid(t0 + 1000), oid(t0 + 2000), oid(t0 + 3000)];
    const id = (o: Oid) => o.toHexString();
    try {
      await raw.collection("users").insertMany(
        [u1, u2, u3, u4].map((_id, i) => ({
          _id,
          phone: `+1666000${i}`,
          username: `legacy${i}`,
          display_name: `Legacy ${i}`,
          password_hash: "$2b$10$x",
          email: null,
          mood: i === 0 ? "ok" : null,
          avatar_url: null,
          bubble_color: null,
          partner_id: i === 0 ? u2 : i === 1 ? u1 : null,
          created_at: at(i),
          updated_at: at(i + 10),
        })) as never[],
      );
      await raw.collection("auth_sessions").insertOne({ _id: "old-sid", user_id: u1, revoked_at: null, revoked_reason: null, expires_at: at(9999), created_at: at(5) } as never);
      await raw.collection("auth_refresh_tokens").insertMany([
        { _id: "old-jti-used", session_id: "old-sid", user_id: u1, used_at: at(6), expires_at: at(9999) },
        { _id: "old-jti-claimed", session_id: "old-sid", user_id: u1, used_at: null, expires_at: at(9999) },
        { _id: "old-jti-fresh", session_id: "old-sid", user_id: u1, used_at: null, expires_at: at(9999) },
      ] as never[]);
      await raw.collection("auth_refresh_claims").insertMany([
        { _id: "old-jti-used", expires_at: at(9999) },
        { _id: "old-jti-claimed", expires_at: at(9999) },
      ] as never[]);
      const prId = new ObjectId(newId(t0));
      await raw.collection("partner_requests").insertOne({ _id: prId, sender_id: id(u1), recipient_id: id(u2), status: "accepted", created_at: at(1), responded_at: at(2) } as never);

      const chatId = [id(u1), id(u2)].sort().join("_");
      const coupleKey = `couple:${chatId}`;
      const groupKey = "group:g-legacy";
      const dmKey = `dm:${[id(u2), id(u3)].sort().join("|")}`;
      await raw.collection("conversations").insertMany([
        // last_seq trails the messages (an $inc lost on FerretDB v1, or a head not yet flushed).
        { _id: coupleKey, type: "couple", public_id: chatId, member_ids: [id(u1), id(u2)].sort(), last_seq: 1, mode: "fight", last_message_at: at(20), created_at: at(3) },
        // member_ids of a group lag its group document: the group is what counts.
        { _id: groupKey, type: "group", public_id: "g-legacy", member_ids: [id(u1), id(u3)], last_seq: 2, mode: null, last_message_at: at(31), created_at: at(4) },
        { _id: dmKey, type: "dm", public_id: dmKey, member_ids: [id(u2), id(u3)].sort(), last_seq: 0, mode: null, last_message_at: null, created_at: at(5) },
      ] as never[]);
      await raw.collection("groups").insertOne({
        _id: "g-legacy",
        name: "Old group",
        description: "",
        is_public: true,
        owner_id: id(u1),
        avatar_url: null,
        members: [
          { user_id: id(u1), role: "owner", joined_at: at(4) },
          { user_id: id(u3), role: "admin", joined_at: at(7) },
          { user_id: id(u4), role: "member", joined_at: at(8) },
        ],
        created_at: at(4),
        updated_at: at(8),
      } as never);
      await raw.collection("read_states").insertMany([
        { _id: `${coupleKey}#${id(u2)}`, conversation_key: coupleKey, user_id: id(u2), seq: 2, at: at(40) },
        { _id: `${groupKey}#${id(u3)}`, conversation_key: groupKey, user_id: id(u3), seq: 1, at: at(41) },
        // A former member's position: not a member any more, so no row.
        { _id: `${groupKey}#${id(u2)}`, conversation_key: groupKey, user_id: id(u2), seq: 1, at: at(42) },
      ] as never[]);
      const card = (u: Oid, i: number) => ({ id: id(u), username: `legacy${i}`, display_name: `Legacy ${i}`, avatar_url: null });
      const base = { text: "", media: null, sticker: null, reply_to: null, edited: false, last_edited_at: null, edits: [], deleted: false, deleted_at: null, reactions: {}, mode: null };
      const m = [oid(t0 + 1000), oid(t0 + 2000), oid(t0 + 3000), oid(t0 + 4000), oid(t0 + 5000)] as const;
      await raw.collection("messages").insertMany([
        { ...base, _id: m[0], conversation_key: coupleKey, seq: 1, client_message_id: "c1", sender_id: id(u1), sender: card(u1, 0), text: "first, edited", kind: "text", edited: true, last_edited_at: at(25), edits: [{ text: "first", edited_at: at(25) }], reactions: { [id(u2)]: { emoji: "❤️", at: at(26), username: "legacy1" } }, mode: "normal", created_at: at(20) },
        { ...base, _id: m[1], conversation_key: coupleKey, seq: 2, client_message_id: "c2", sender_id: id(u2), sender: card(u2, 1), text: "second", kind: "text", mode: "fight", created_at: at(21) },
        // Never stored (seq null): left out.
        { ...base, _id: m[2], conversation_key: coupleKey, seq: null, client_message_id: "c3", sender_id: id(u2), sender: card(u2, 1), text: "lost", kind: "text", created_at: at(22) },
        { ...base, _id: m[3], conversation_key: groupKey, seq: 1, client_message_id: "g1", sender_id: id(u1), sender: card(u1, 0), text: "hello group", kind: "text", reactions: { [id(u3)]: { emoji: "👍", at: at(32), username: "legacy2" }, [id(u4)]: { emoji: "🎉", at: at(33), username: "legacy3" } }, created_at: at(30) },
        { ...base, _id: m[4], conversation_key: groupKey, seq: 2, client_message_id: "g2", sender_id: id(u3), sender: card(u3, 2), kind: "text", deleted: true, deleted_at: at(35), reply_to: null, created_at: at(31) },
      ] as never[]);
      await raw.collection("events").insertMany([
        { _id: 1, type: "new_message", ns: "couples", conversation_key: coupleKey, user_ids: [], payload: { message: { id: id(m[0]), text: "first" } }, writer: "w1", created_at: at(20) },
        { _id: 2, type: "group_member_removed", ns: "groups", conversation_key: null, user_ids: [id(u2), id(u1)], payload: { group_id: "g-legacy", user_id: id(u2) }, writer: "w1", created_at: at(36) },
      ] as never[]);
      await raw.collection("event_streams").insertOne({ _id: "main", epoch: "epoch-legacy", last_seq: 2, pruned_through: 0, created_at: at(0) } as never);
      await raw.collection("profiles").insertOne({ _id: id(u1), bio: "old bio", birthdate: null, gender: null, interests: ["x"], looking_for: null, city: null, photos: [], social_links: [], updated_at: at(50) } as never);
      await raw.collection("sticker_packs").insertOne({ _id: "basic", name: "Basic", stickers: [{ id: "wave", emoji: "👋", label: "Wave", url: "/s/wave.svg" }], created_at: at(0) } as never);

      const legacy = await openLegacySource({ uri: `legacy+${uri}` });
      try {
        const target = await sqlite("from-legacy");
        const lines: string[] = [];
        const result = await runCopy(legacy, target.copy, { batch: 2, log: (l) => lines.push(l) });
        assert.ok(result.ok, lines.join("\n"));
        const n = Object.fromEntries(result.tables.map((r) => [r.table, r.targetCount]));
        assert.deepEqual(n, { users: 4, sessions: 1, refresh_tokens: 3, partner_requests: 1, conversations: 3, members: 7, messages: 4, events: 2, stream: 1, groups: 1, profiles: 1, sticker_packs: 1, uploads: 0, push_subscriptions: 0, blocks: 0, audit_events: 0, reports: 0, group_bans: 0, group_post_blocks: 0 });

        const user = await target.users.byId(id(u1));
        assert.equal(user?.partner_id, id(u2));
        assert.equal(user?.mood, "ok");
        assert.equal((await target.sessions.session("old-sid"))?.user_id, id(u1));
        assert.ok((await target.sessions.refreshToken("old-jti-claimed"))?.used_at, "a claimed token is used");
        assert.equal((await target.sessions.refreshToken("old-jti-fresh"))?.used_at, null);
        assert.equal(await target.sessions.claimRefreshToken("old-jti-claimed", new Date()), false);
        assert.equal(await target.sessions.claimRefreshToken("old-jti-fresh", new Date()), true);
        assert.equal((await target.partnerRequests.byId(id(prId)))?.status, "accepted");

        const group = await target.conversations.members(groupKey);
        assert.deepEqual(
          group.map((x) => ({ user_id: x.user_id, role: x.role, joined_at: x.joined_at.toISOString(), read_seq: x.read_seq })),
          [
            { user_id: id(u1), role: "owner", joined_at: at(4).toISOString(), read_seq: 0 },
            { user_id: id(u3), role: "admin", joined_at: at(7).toISOString(), read_seq: 1 },
            { user_id: id(u4), role: "member", joined_at: at(8).toISOString(), read_seq: 0 },
          ],
        );
        const couple = await target.conversations.members(coupleKey);
        assert.deepEqual(couple.map((x) => [x.user_id, x.role, x.read_seq, x.read_at?.toISOString() ?? null]).sort(), [
          [id(u1), "member", 0, null],
          [id(u2), "member", 2, at(40).toISOString()],
        ].sort());
        assert.equal((await target.conversations.member(dmKey, id(u3)))?.role, "member");
        assert.equal((await target.conversations.member(groupKey, id(u2))), null);

        const conv = await target.conversations.byKey(coupleKey);
        assert.equal(conv?.last_seq, 2, "last_seq raised to the newest stored message");
        assert.equal(conv?.last_message_at?.toISOString(), at(21).toISOString());
        assert.equal(conv?.mode, "fight");
        assert.equal(await target.messages.lastSeq(coupleKey), 2);

        const [first, second] = await target.messages.latest(coupleKey, 10);
        assert.equal(first?.id, id(m[0]));
        assert.deepEqual(first?.reactions, { [id(u2)]: { emoji: "❤️", at: at(26), username: "legacy1" } });
        assert.deepEqual(first?.edits, [{ text: "first", edited_at: at(25) }]);
        assert.equal(second?.text, "second");
        const g = await target.messages.latest(groupKey, 10);
        assert.deepEqual(Object.keys(g[0]!.reactions).sort(), [id(u3), id(u4)].sort());
        assert.equal(g[1]?.deleted, true);
        assert.equal(await target.messages.byId(coupleKey, id(m[2])), null, "a message never stored is not copied");

        const stream = await target.events.stream();
        assert.equal(stream.epoch, "epoch-legacy");
        assert.equal(await target.events.head(), 2);
        const events = await target.events.after(0, id(u1), [coupleKey], 10);
        assert.deepEqual(events.map((e) => [e.seq, e.type, e.payload]), [
          [1, "new_message", { message: { id: id(m[0]), text: "first" } }],
          [2, "group_member_removed", { group_id: "g-legacy", user_id: id(u2) }],
        ]);
        const grp = await target.groups.byId("g-legacy");
        assert.equal(grp?.owner_id, id(u1));
        assert.ok(!("members" in (grp ?? {})));
        assert.deepEqual((await target.profiles.get(id(u1)))?.interests, ["x"]);
        assert.equal((await target.stickers.byId("basic"))?.stickers[0]?.emoji, "👋");

        // A page asked for again (a resume) is read by a query of its own, and gives the same rows.
        const p1 = await legacy.page("users", null, 2);
        const p2 = await legacy.page("users", p1.next, 2);
        assert.deepEqual(await legacy.page("users", p1.next, 2), p2);
        assert.deepEqual((await legacy.page("users", p2.next, 2)).rows, []);

        // The CLI takes the same source by its legacy+ prefix.
        const cli = await run(["--from", `legacy+${uri}`, "--to", join(dir, "legacy-cli.sqlite")]);
        assert.equal(cli.code, 0, cli.stderr + cli.stdout);
        // Without the prefix, the old layout is recognised and refused, as a source and as a target.
        const plain = await run(["--from", uri, "--to", join(dir, "legacy-plain.sqlite")]);
        assert.equal(plain.code, 2, plain.stderr + plain.stdout);
        assert.match(plain.stderr, /previous release's layout .*legacy\+mongodb:/);
        const into = await run(["--from", join(dir, "legacy-cli.sqlite"), "--to", uri]);
        assert.equal(into.code, 2, into.stderr + into.stdout);
        assert.match(into.stderr, /--to: .* holds the previous release's layout/);
      } finally {
        await legacy.close();
      }
    } finally {
      await conn.close();
    }
  });
});

// ---- the rate --------------------------------------------------------------------------------

test("rate: a few thousand messages SQLite → FerretDB → SQLite", async (t) => {
  const src = await sqlite("rate-src");
  const u = await src.users.create({ id: newId(), phone: "+15559990000", username: "rate_user", display_name: "Rate", password_hash: "x", email: null });
  const key = "dm:rate";
  await src.conversations.ensure({ key, type: "dm", public_id: key, mode: null, created_at: new Date(t0) }, [{ user_id: u.id, role: "member" }]);
  // FerretDB v1 scans the collection for every upsert (copy-cli.ts), so the
  // default stays small; DB_COPY_RATE_MESSAGES=20000 for a real measurement.
  const N = Number(process.env.DB_COPY_RATE_MESSAGES ?? 1000);
  for (let i = 0; i < N; i++) {
    await src.messages.append({ id: newId(t0 + i), conversation_key: key, client_message_id: `r${i}`, sender_id: u.id, sender: { id: u.id, username: u.username, display_name: "Rate", avatar_url: null }, text: `message number ${i} `.repeat(3), kind: "text", media: null, sticker: null, reply_to: null, mode: null, created_at: new Date(t0 + i * 10) });
  }
  // The CLI's bound on one bulk write (copy-cli.ts), not the server's 5 s.
  const m = await openMongoStorage({ uri: mongoUri("rate"), operationTimeoutMs: 120_000 });
  opened.push(m);
  const there = await runCopy(src.copy, m.copy, { batch: 500 });
  const dst = await sqlite("rate-dst");
  const back = await runCopy(m.copy, dst.copy, { batch: 500 });
  assert.ok(there.ok && back.ok);
  const rate = (r: typeof there) => r.tables.find((x) => x.table === "messages")!;
  assert.equal(rate(back).targetCount, N);
  t.diagnostic(`messages SQLite → FerretDB: ${rate(there).rowsPerSecond} rows/s (${N} in ${rate(there).seconds.toFixed(2)} s)`);
  t.diagnostic(`messages FerretDB → SQLite: ${rate(back).rowsPerSecond} rows/s (${N} in ${rate(back).seconds.toFixed(2)} s)`);
});
