// The audit log on SQLite: one row per event, data as JSON text; a user's page is a range of
// audit_events_user read backwards, pruning a range of audit_events_time.
import type { AuditData, AuditRecord, AuditRepository } from "../../audit/audit.repository.ts";
import { asyncRepo, date, json, ms, parse, str, strOrNull, type Row, type SqliteDb, type Sync } from "./database.ts";

export function auditFromRow(r: Row): AuditRecord {
  return {
    id: str(r.id),
    user_id: str(r.user_id),
    type: str(r.type),
    at: date(r.at),
    ip: strOrNull(r.ip),
    device: strOrNull(r.device),
    data: parse<AuditData>(r.data),
  };
}

/** Writes the event under its id, replacing one already there (db:copy). */
export function putAudit(db: SqliteDb, e: AuditRecord, replace: boolean): void {
  db.run(
    `INSERT ${replace ? "OR REPLACE " : ""}INTO audit_events (id, user_id, type, at, ip, device, data) VALUES (?, ?, ?, ?, ?, ?, ?)`,
    e.id, e.user_id, e.type, ms(e.at), e.ip ?? null, e.device ?? null, json(e.data ?? {}),
  );
}

export function sqliteAudit(db: SqliteDb): AuditRepository {
  const repo: Sync<AuditRepository> = {
    append(e) {
      putAudit(db, e, false);
    },
    ofUser(userId, before, limit) {
      // A row value below the cursor: one index range, read backwards, no sort.
      const rows = before
        ? db.all("SELECT * FROM audit_events WHERE user_id = ? AND (at, id) < (?, ?) ORDER BY at DESC, id DESC LIMIT ?", userId, ms(before.at), before.id, limit)
        : db.all("SELECT * FROM audit_events WHERE user_id = ? ORDER BY at DESC, id DESC LIMIT ?", userId, limit);
      return rows.map(auditFromRow);
    },
    prune(before) {
      return db.run("DELETE FROM audit_events WHERE at < ?", ms(before));
    },
  };
  return asyncRepo(db, repo);
}
