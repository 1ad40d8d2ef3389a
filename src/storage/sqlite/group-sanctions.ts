// Group bans and post blocks (src/moderation/group-sanctions.repository.ts): one row per
// (group, user) in each table.
import type { GroupBanRecord, GroupSanctionRepository, PostBlockRecord } from "../../moderation/group-sanctions.repository.ts";
import type { CopyPage } from "../copy.ts";
import { asyncRepo, date, ms, num, str, strOrNull, type Row, type SqliteDb, type Sync } from "./database.ts";

export function banFromRow(r: Row): GroupBanRecord {
  return { group_id: str(r.group_id), user_id: str(r.user_id), banned_by: str(r.banned_by), reason: strOrNull(r.reason), created_at: date(r.created_at) };
}

export function postBlockFromRow(r: Row): PostBlockRecord {
  return { group_id: str(r.group_id), user_id: str(r.user_id), until: date(r.until), blocked_by: str(r.blocked_by), created_at: date(r.created_at) };
}

export function putBan(db: SqliteDb, b: GroupBanRecord): void {
  db.run("INSERT OR REPLACE INTO group_bans (group_id, user_id, banned_by, reason, created_at) VALUES (?, ?, ?, ?, ?)", b.group_id, b.user_id, b.banned_by, b.reason ?? null, ms(b.created_at));
}

export function putPostBlock(db: SqliteDb, b: PostBlockRecord): void {
  db.run(
    "INSERT OR REPLACE INTO group_post_blocks (group_id, user_id, until, blocked_by, created_at) VALUES (?, ?, ?, ?, ?)",
    b.group_id, b.user_id, ms(b.until), b.blocked_by, ms(b.created_at),
  );
}

export function sqliteGroupSanctions(db: SqliteDb): GroupSanctionRepository {
  const repo: Sync<GroupSanctionRepository> = {
    ban(b) {
      const existed = db.get("SELECT 1 AS x FROM group_bans WHERE group_id = ? AND user_id = ?", b.group_id, b.user_id) !== undefined;
      putBan(db, b);
      return { created: !existed };
    },
    unban(groupId, userId) {
      return db.run("DELETE FROM group_bans WHERE group_id = ? AND user_id = ?", groupId, userId) === 1;
    },
    banOf(groupId, userId) {
      const r = db.get("SELECT * FROM group_bans WHERE group_id = ? AND user_id = ?", groupId, userId);
      return r ? banFromRow(r) : null;
    },
    bans(groupId, limit) {
      return db.all("SELECT * FROM group_bans WHERE group_id = ? ORDER BY created_at DESC, user_id DESC LIMIT ?", groupId, Math.max(0, limit)).map(banFromRow);
    },
    blockPosting(b) {
      putPostBlock(db, b);
    },
    unblockPosting(groupId, userId) {
      return db.run("DELETE FROM group_post_blocks WHERE group_id = ? AND user_id = ?", groupId, userId) === 1;
    },
    postBlockOf(groupId, userId) {
      const r = db.get("SELECT * FROM group_post_blocks WHERE group_id = ? AND user_id = ?", groupId, userId);
      return r ? postBlockFromRow(r) : null;
    },
    postBlocks(groupId, now, limit) {
      return db
        .all("SELECT * FROM group_post_blocks WHERE group_id = ? AND until > ? ORDER BY until, user_id LIMIT ?", groupId, ms(now), Math.max(0, limit))
        .map(postBlockFromRow);
    },
    clearGroup(groupId) {
      db.tx(() => {
        db.run("DELETE FROM group_bans WHERE group_id = ?", groupId);
        db.run("DELETE FROM group_post_blocks WHERE group_id = ?", groupId);
      });
    },
  };
  return asyncRepo(db, repo);
}

/** db:copy's view of one of the two tables: pages in (group_id, user_id) order, upserts by that key. */
function sanctionsCopyTable<T extends { group_id: string; user_id: string }>(db: SqliteDb, table: string, fromRow: (r: Row) => T, put: (row: T) => void) {
  return {
    page(after: string | null, limit: number): CopyPage {
      const [group, user] = after ? (JSON.parse(after) as [string, string]) : ["", ""];
      const rows = db.all(`SELECT * FROM ${table} WHERE (group_id, user_id) > (?, ?) ORDER BY group_id, user_id LIMIT ?`, group, user, limit).map(fromRow);
      const last = rows.at(-1);
      return { rows: rows as unknown as Record<string, unknown>[], next: rows.length >= limit && last ? JSON.stringify([last.group_id, last.user_id]) : null };
    },
    count: () => num(db.get(`SELECT count(*) AS n FROM ${table}`)?.n),
    put: (r: Record<string, unknown>) => put(r as unknown as T),
  };
}

export const groupBansCopyTable = (db: SqliteDb) => sanctionsCopyTable(db, "group_bans", banFromRow, (b) => putBan(db, b));
export const postBlocksCopyTable = (db: SqliteDb) => sanctionsCopyTable(db, "group_post_blocks", postBlockFromRow, (b) => putPostBlock(db, b));
