// Every statement the SQLite storage prepares is read through an index: it runs every
// repository method (the test fails if one was left out, so a statement prepared lazily
// cannot hide), then checks each prepared SQL text with EXPLAIN QUERY PLAN.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { after, before, test } from "node:test";
import { newId } from "../../src/shared/ids.ts";
import { COPY_TABLES } from "../../src/storage/copy.ts";
import { MIGRATIONS } from "../../src/storage/sqlite/migrations.ts";
import { openSqliteStorage, type SqliteStorage } from "../../src/storage/sqlite/open.ts";
import type { Storage } from "../../src/storage/storage.ts";
import { exerciseModeration } from "./moderation-exercise.ts";

// Tables that do not grow with use: a scan of them is fine.
const SMALL_TABLES = new Set(["stream", "sticker_packs"]);

// Statements allowed to scan a growing table, and why.
const SCAN_ALLOWED: { match: RegExp; why: string }[] = [
  { match: /^SELECT count\(\*\) AS n FROM /, why: "db:copy's count reads the whole table by definition" },
  { match: /^SELECT \* FROM account_deletions WHERE finished_at IS NULL/, why: "unfinished account deletions: a partial index holding only the unfinished jobs (a handful at most)" },
];

// A SEARCH without an index is SQLite's min/max shortcut: reading one end of the rowid.
// Fine for a bare max(seq); with a WHERE it walks the table from that end until a row
// matches, so each one is listed.
const BARE_SEARCH_ALLOWED: { match: RegExp; why: string }[] = [
  { match: /^SELECT max\(coalesce\(\(SELECT max\(seq\) FROM events\), 0\)/, why: "events.head(): max(seq) of the whole table, its last rowid" },
];

// Statements allowed a temporary sort, and what bounds its input.
const TEMP_BTREE_ALLOWED: { match: RegExp; why: string }[] = [
  { match: /FROM members m JOIN conversations c/, why: "listOf sorts the user's own memberships of one type (members_user range)" },
  { match: /FROM members m JOIN "groups" g/, why: "listVisible sorts the user's own groups (members_user range on 'group:')" },
  { match: /FROM members WHERE conversation_key = \? ORDER BY joined_at/, why: "members() returns every member it sorts" },
];

let dir: string;
let storage: SqliteStorage;
const called = new Set<string>();

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "sqlite-plans-"));
  storage = await openSqliteStorage({ path: join(dir, "db.sqlite") });
  await exercise(tracked(storage, called));
});

after(async () => {
  await storage.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The storage with every repository method call recorded as "repo.method". */
function tracked(s: Storage, seen: Set<string>): Storage {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(s)) {
    if (typeof value === "object" && value !== null) {
      const repo: Record<string, unknown> = {};
      for (const [method, fn] of Object.entries(value)) {
        repo[method] = (...args: unknown[]) => {
          seen.add(`${name}.${method}`);
          return (fn as (...a: unknown[]) => unknown)(...args);
        };
      }
      out[name] = repo;
    } else out[name] = value;
  }
  return out as unknown as Storage;
}

const card = (id: string) => ({ id, username: id, display_name: id, avatar_url: null });
const t0 = new Date("2024-01-01T00:00:00Z");
const later = (s: number) => new Date(t0.getTime() + s * 1000);

/** Calls every method once or more, taking the branches that prepare different statements. */
async function exercise(s: Storage): Promise<void> {
  const user = (id: string) => ({ id, phone: `+${id}`, username: id, display_name: id, password_hash: "h", email: null });
  for (const id of ["ua", "ub", "uc"]) await s.users.create(user(id));
  await assert.rejects(s.users.create({ ...user("ud"), phone: "+ua" }));
  await s.users.byId("ua");
  await s.users.byIds(["ua", "ub", "nope"]);
  await s.users.byPhone("+ua");
  await s.users.byUsername("ua");
  await s.users.update("ua", { mood: "ok", email: null });
  assert.equal(await s.users.linkPartners("ua", "ub"), "linked");
  assert.equal(await s.users.linkPartners("uc", "ub"), "b_taken");
  await s.users.unlinkPartners("ua", "ub");

  await s.sessions.createSession({ id: "s1", user_id: "ua", expires_at: later(10) });
  await s.sessions.session("s1");
  await s.sessions.sessions(["s1"]);
  await s.sessions.sessionsOf("ua");
  await s.sessions.extendSession("s1", later(20));
  await s.sessions.revokeSession("s1", "logout", later(1));
  await s.sessions.addRefreshToken({ id: "r1", session_id: "s1", user_id: "ua", expires_at: later(5) });
  await s.sessions.refreshToken("r1");
  await s.sessions.claimRefreshToken("r1", later(2));
  await s.sessions.pruneExpired(later(30));
  // sessions you can see, password, audit (issue 15)
  await s.sessions.touchSession("s1", later(3));
  await s.sessions.touchSessions(["s1", "s2"], later(3));
  await s.sessions.touchSession("s1", later(4), { device: "Chrome on Linux", ip: "203.0.113.1" });
  await s.users.setPasswordHash("ua", "h2");
  await s.audit.append({ id: "e1", user_id: "ua", type: "login", at: later(1), ip: null, device: null, data: {} });
  await s.audit.append({ id: "e2", user_id: "ua", type: "login", at: later(2), ip: null, device: null, data: {} });
  await s.audit.ofUser("ua", null, 10);
  await s.audit.ofUser("ua", { at: later(2), id: "e2" }, 10);
  await s.audit.prune(later(2));

  await s.partnerRequests.create({ id: "p1", sender_id: "ua", recipient_id: "uc", created_at: t0 });
  await s.partnerRequests.byId("p1");
  await s.partnerRequests.pendingBetween("uc", "ua");
  await s.partnerRequests.pendingOf("ua");
  await s.partnerRequests.transition("p1", "pending", "rejected", later(1));
  await s.partnerRequests.cancelPendingOf(["ua", "uc"], later(2));

  const key = "dm:ua|ub";
  await s.conversations.ensure({ key, type: "dm", public_id: "d1", mode: null, created_at: t0 }, [
    { user_id: "ua", role: "member" },
    { user_id: "ub", role: "member" },
  ]);
  await s.conversations.byKey(key);
  await s.conversations.setMode(key, "fight");
  await s.conversations.listOf("ua", "dm", 10);
  await s.conversations.keysOf("ua");
  await s.conversations.keysOfMany(["ua", "ub"]);
  await s.conversations.member(key, "ua");
  await s.conversations.members(key);
  await s.conversations.membersOfMany([key]);
  await s.conversations.addMember(key, { user_id: "uc", role: "member", joined_at: later(1) });
  await s.conversations.setRole(key, "uc", "admin");
  await s.conversations.removeMember(key, "uc");
  await s.conversations.markRead(key, "ua", 1, later(3));

  const message = (n: number) => ({
    id: `m${n}`, conversation_key: key, client_message_id: `c${n}`, sender_id: "ua", sender: card("ua"), text: `t${n}`,
    kind: "text" as const, media: null, sticker: null, reply_to: null, mode: null, created_at: later(n),
  });
  for (let n = 1; n <= 3; n++) await s.messages.append(message(n));
  await s.messages.append(message(1)); // the duplicate branch
  await s.messages.byId(key, "m1");
  await s.messages.latest(key, 2);
  await s.messages.after(key, 1, 2);
  await s.messages.beforeSeq(key, 3, 2);
  await s.messages.beforeTime(key, later(3), 2);
  await s.messages.atTime(key, later(2));
  await s.messages.lastSeq(key);
  await s.messages.edit(key, "m1", "edited", later(5));
  await s.messages.toggleReaction(key, "m2", "ub", { emoji: "a", at: later(6), username: "ub" });
  await s.messages.toggleReaction(key, "m2", "ub", { emoji: "a", at: later(7), username: "ub" }); // removes it
  await s.messages.toggleReaction(key, "m3", "ub", { emoji: "b", at: later(7), username: "ub" });
  await s.messages.tombstone(key, "m2", later(8));
  await s.messages.unreadCounts("ub", [{ key, afterSeq: 0 }]);
  await s.messages.append({ ...message(4), mentions: ["ub"] });
  await s.messages.edit(key, "m4", "again", later(9), ["ub", "uc"]);
  await s.messages.unreadOfUsers(["ua", "ub"]);
  await s.messages.memberIds(key, 10);
  await s.messages.membersNamed(key, ["ua", "nobody"]);
  await s.messages.tombstone(key, "m4", later(10));
  await s.conversations.setMute(key, "ua", later(100));

  await s.events.stream();
  await s.events.head();
  await s.events.append([
    { type: "x", ns: "/dm", conversation_key: key, user_ids: [], payload: { a: 1 }, created_at: t0 },
    { type: "y", ns: "/dm", conversation_key: null, user_ids: ["ua"], payload: { b: 2 }, created_at: later(100) },
  ]);
  await s.events.after(0, "ua", [key], 10);
  await s.events.prune(later(1));

  const group = { id: "g1", name: "G", description: "", is_public: true, owner_id: "ua", avatar_url: null, created_at: t0 };
  await s.groups.create(group, [{ user_id: "ua", role: "owner" }]);
  await assert.rejects(s.groups.create(group, []));
  await s.groups.create({ ...group, id: "g2", is_public: false }, [{ user_id: "ua", role: "owner" }]);
  await s.groups.byId("g1");
  await s.groups.update("g1", { name: "H" });
  await s.groups.touch("g1", later(9));
  await s.groups.listVisible("ua", false, 10);
  await s.groups.listVisible("ua", true, 10);
  await s.groups.remove("g2");

  await s.profiles.upsert("ua", { bio: "hi" }, t0);
  await s.profiles.get("ua");

  await s.stickers.seed([{ id: "pack", name: "P", stickers: [], created_at: t0 }]);
  await s.stickers.list();
  await s.stickers.byId("pack");

  await s.uploads.record({ id: "up1", owner_id: "ua", type: "image", urls: ["/a", "/b"], bytes: 1, created_at: t0 });
  await s.uploads.byUrl("/b");
  const sub = { id: newId(), user_id: newId(), session_id: newId(), type: "webpush" as const, address: "https://push.example.com/x", keys: { p256dh: "k", auth: "a" }, platform: null, created_at: new Date() };
  await s.pushSubscriptions.upsert(sub);
  await s.pushSubscriptions.byId(sub.id);
  await s.pushSubscriptions.ofUser(sub.user_id);
  await s.pushSubscriptions.ofUsers([sub.user_id]);
  await s.pushSubscriptions.remove(sub.id);
  await s.pushSubscriptions.removeOfSession(sub.session_id);
  await s.blocks.add({ blocker_id: "ua", blocked_id: "ub", created_at: t0 });
  await s.blocks.add({ blocker_id: "ua", blocked_id: "ub", created_at: t0 });
  await s.blocks.add({ blocker_id: "uc", blocked_id: "ua", created_at: t0 });
  await s.blocks.byBlocker("ua");
  await s.blocks.involving(["ua", "ub"]);
  await s.blocks.remove("uc", "ua");

  await exerciseModeration(s, "ua"); // reports, group bans and post blocks, suspension (issue 15)

  // Account deletion (issue 15): the job and its bulk writes.
  const tomb = { phone: "deleted:ua", username: "deleted-ua", display_name: "Deleted user", suspended_until: later(9), suspension_reason: "account_deleted" };
  await s.accountDeletions.begin("ua", t0, tomb);
  await s.accountDeletions.job("ua");
  await s.accountDeletions.unfinished(10);
  await s.accountDeletions.advance("ua", "messages", null, later(1));
  const page = await s.accountDeletions.tombstoneMessagesOf("ua", null, 2, { id: "ua", username: "deleted-ua", display_name: "Deleted user", avatar_url: null }, later(1));
  await s.accountDeletions.tombstoneMessagesOf("ua", page.lastId, 2, { id: "ua", username: "deleted-ua", display_name: "Deleted user", avatar_url: null }, later(1));
  await s.accountDeletions.removeReactionsOf("ua", 10);
  const ups = await s.accountDeletions.uploadsOf("ua", null, 10);
  await s.accountDeletions.uploadsOf("ua", "x", 10);
  await s.accountDeletions.removeUploads([...ups.map((u) => u.id), "none"]);
  await s.accountDeletions.removePersonalData("ua");
  await s.accountDeletions.setGroupOwner("g1", "ub");

  for (const table of COPY_TABLES) {
    await s.copy.count(table);
    const first = await s.copy.page(table, null, 1);
    if (first.next) await s.copy.page(table, first.next, 1);
    await s.copy.upsert(table, first.rows);
  }
  await s.ping();
}

test("every repository method was exercised", () => {
  const missing: string[] = [];
  for (const [name, value] of Object.entries(storage)) {
    if (typeof value !== "object" || value === null) continue;
    for (const method of Object.keys(value)) if (!called.has(`${name}.${method}`)) missing.push(`${name}.${method}`);
  }
  assert.deepEqual(missing, [], "add these to exercise() so their statements are checked");
});

test("no prepared statement scans a growing table or sorts unbounded input", () => {
  const statements = storage.preparedSql();
  assert.ok(statements.length > 50, `only ${statements.length} statements were prepared`);
  const problems: string[] = [];
  const used = new Set<{ match: RegExp }>();
  const allowed = (list: { match: RegExp }[], sql: string) => {
    const entry = list.find((a) => a.match.test(sql));
    if (entry) used.add(entry);
    return entry !== undefined;
  };
  const explain = explainer();
  for (const sql of statements) {
    for (const detail of explain(sql)) {
      const scan = /^SCAN (\S+)/.exec(detail)?.[1];
      const badScan = scan !== undefined && !isBoundedScan(scan, detail) && !allowed(SCAN_ALLOWED, sql);
      const bare = /^SEARCH (\S+)$/.exec(detail)?.[1];
      const badSearch = bare !== undefined && !SMALL_TABLES.has(bare) && !allowed(BARE_SEARCH_ALLOWED, sql);
      const badSort = detail.includes("TEMP B-TREE") && !allowed(TEMP_BTREE_ALLOWED, sql);
      const autoIndex = detail.includes("AUTOMATIC");
      if (badScan || badSearch || badSort || autoIndex) problems.push(`${detail}\n    in: ${sql.replace(/\s+/g, " ")}`);
    }
  }
  assert.deepEqual(problems, []);
  // An exception nothing needs any more is taken out, so the lists stay the truth.
  const stale = [...SCAN_ALLOWED, ...BARE_SEARCH_ALLOWED, ...TEMP_BTREE_ALLOWED].filter((a) => !used.has(a)).map((a) => a.why);
  assert.deepEqual(stale, []);
});

/** SCANs that are fine: a JSON list parameter, a constant row, the small tables. */
function isBoundedScan(target: string, detail: string): boolean {
  return target === "json_each" || detail.startsWith("SCAN CONSTANT ROW") || SMALL_TABLES.has(target);
}

/**
 * EXPLAIN on an in-memory database with the same schema (the storage holds its file
 * exclusively). Neither has statistics, so the plans are the ones the server gets.
 * Unbound parameters are NULL: a plan does not depend on the values.
 */
function explainer(): (sql: string) => string[] {
  const db = new DatabaseSync(":memory:");
  for (const migration of MIGRATIONS) db.exec(migration);
  return (sql) => (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as { detail: string }[]).map((r) => r.detail);
}
