// Blocks on SQLite: the (blocker_id, blocked_id) primary key answers "whom did X block",
// the blocks_blocked index "who blocked X" (migration 5).
import { newestBlockFirst, type BlockRecord, type BlockRepository } from "../../safety/block.repository.ts";
import type { CopyPage } from "../copy.ts";
import { asyncRepo, date, list, ms, num, str, type Row, type SqliteDb, type Sync } from "./database.ts";

export function blockFromRow(r: Row): BlockRecord {
  return { blocker_id: str(r.blocker_id), blocked_id: str(r.blocked_id), created_at: date(r.created_at) };
}

/** Inserts the block, or (db:copy) replaces the pair's record. Returns whether a row was written. */
export function putBlock(db: SqliteDb, b: BlockRecord, replace: boolean): boolean {
  const insert = replace ? "INSERT OR REPLACE" : "INSERT";
  const conflict = replace ? "" : " ON CONFLICT (blocker_id, blocked_id) DO NOTHING";
  return db.run(`${insert} INTO blocks (blocker_id, blocked_id, created_at) VALUES (?, ?, ?)${conflict}`, b.blocker_id, b.blocked_id, ms(b.created_at)) === 1;
}

export function sqliteBlocks(db: SqliteDb): BlockRepository {
  const repo: Sync<BlockRepository> = {
    add: (b) => putBlock(db, b, false),
    remove(blockerId, blockedId) {
      return db.run("DELETE FROM blocks WHERE blocker_id = ? AND blocked_id = ?", blockerId, blockedId) === 1;
    },
    byBlocker(blockerId) {
      // The user's own range of the primary key; sorted here (a user's blocks are few and capped by the service).
      return db.all("SELECT * FROM blocks WHERE blocker_id = ?", blockerId).map(blockFromRow).sort(newestBlockFirst);
    },
    involving(userIds) {
      if (userIds.length === 0) return [];
      const ids = list(userIds);
      // Two index ranges rather than one OR; a block between two of the ids comes from both.
      const rows = db.all(
        `SELECT * FROM blocks WHERE blocker_id IN (SELECT value FROM json_each(?1))
         UNION ALL
         SELECT * FROM blocks WHERE blocked_id IN (SELECT value FROM json_each(?1))`,
        ids,
      );
      const byPair = new Map(rows.map((r) => [`${str(r.blocker_id)} ${str(r.blocked_id)}`, blockFromRow(r)]));
      return [...byPair.values()];
    },
  };
  return asyncRepo(db, repo);
}

/** db:copy's view of the table: pages in primary-key order, the cursor the last pair (JSON). */
export function blocksCopyTable(db: SqliteDb) {
  return {
    page(after: string | null, limit: number): CopyPage {
      const [blocker, blocked] = after ? (JSON.parse(after) as [string, string]) : ["", ""];
      const rows = db.all("SELECT * FROM blocks WHERE (blocker_id, blocked_id) > (?, ?) ORDER BY blocker_id, blocked_id LIMIT ?", blocker, blocked, limit).map(blockFromRow);
      const last = rows.at(-1);
      return { rows: rows as unknown as Record<string, unknown>[], next: rows.length >= limit && last ? JSON.stringify([last.blocker_id, last.blocked_id]) : null };
    },
    count: () => num(db.get("SELECT count(*) AS n FROM blocks")?.n),
    put: (r: Record<string, unknown>) => void putBlock(db, r as unknown as BlockRecord, true),
  };
}
