// Reports (src/moderation/report.repository.ts). One open report per (reporter, target) is
// the partial unique index reports_open: a repeat is an upsert on it, so two files at once
// still leave one open report.
import type { MessageSnapshot, NewReport, ReportAction, ReportReason, ReportRecord, ReportRepository, ReportStatus } from "../../moderation/report.repository.ts";
import { targetKey } from "../../moderation/report.repository.ts";
import type { CopyPage } from "../copy.ts";
import { asyncRepo, date, dateOrNull, json, ms, msOrNull, num, parse, str, strOrNull, type Row, type SqliteDb, type Sync } from "./database.ts";

export function reportFromRow(r: Row): ReportRecord {
  const resolvedAt = dateOrNull(r.resolved_at);
  return {
    id: str(r.id),
    reporter_id: str(r.reporter_id),
    target_type: str(r.target_type) as ReportRecord["target_type"],
    target_user_id: str(r.target_user_id),
    conversation_key: strOrNull(r.conversation_key),
    message_id: strOrNull(r.message_id),
    reason: str(r.reason) as ReportReason,
    note: strOrNull(r.note),
    snapshot: r.snapshot == null ? null : parse<MessageSnapshot>(r.snapshot),
    status: str(r.status) as ReportStatus,
    resolution: resolvedAt
      ? { action: str(r.resolved_action) as ReportAction, note: strOrNull(r.resolved_note), by: str(r.resolved_by), at: resolvedAt }
      : null,
    created_at: date(r.created_at),
    updated_at: date(r.updated_at),
  };
}

const COLUMNS = `id, reporter_id, target_type, target_key, target_user_id, conversation_key, message_id, reason, note, snapshot, status,
  resolved_action, resolved_note, resolved_by, resolved_at, created_at, updated_at`;

function values(r: ReportRecord): (string | number | null)[] {
  const res = r.resolution;
  return [
    r.id, r.reporter_id, r.target_type, targetKey(r), r.target_user_id, r.conversation_key ?? null, r.message_id ?? null, r.reason, r.note ?? null,
    r.snapshot ? json(r.snapshot) : null, r.status, res?.action ?? null, res?.note ?? null, res?.by ?? null, msOrNull(res?.at), ms(r.created_at), ms(r.updated_at),
  ];
}

/** Inserts or replaces the whole record by id (db:copy). */
export function putReport(db: SqliteDb, r: ReportRecord): void {
  db.run(`INSERT OR REPLACE INTO reports (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, ...values(r));
}

export function sqliteReports(db: SqliteDb): ReportRepository {
  const byId = (id: string) => {
    const r = db.get("SELECT * FROM reports WHERE id = ?", id);
    return r ? reportFromRow(r) : null;
  };

  const repo: Sync<ReportRepository> = {
    file(n: NewReport) {
      const record: ReportRecord = { ...n, status: "open", resolution: null, updated_at: n.created_at };
      // The conflict target names the partial index: only an open report of the same target is updated.
      const r = db.get(
        `INSERT INTO reports (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (reporter_id, target_key) WHERE status = 'open'
         DO UPDATE SET reason = excluded.reason, note = excluded.note, snapshot = excluded.snapshot, updated_at = excluded.updated_at
         RETURNING *`,
        ...values(record),
      );
      const report = reportFromRow(r!);
      return { report, created: report.id === n.id };
    },
    byId,
    list(q) {
      const before = q.before ?? "\uffff";
      const limit = Math.max(0, q.limit);
      let rows: Row[];
      // One statement per filter combination, each an index range read backwards.
      if (q.conversation_key !== undefined && q.status !== undefined) {
        rows = db.all("SELECT * FROM reports WHERE conversation_key = ? AND status = ? AND id < ? ORDER BY id DESC LIMIT ?", q.conversation_key, q.status, before, limit);
      } else if (q.conversation_key !== undefined) {
        rows = db.all("SELECT * FROM reports WHERE conversation_key = ? AND id < ? ORDER BY id DESC LIMIT ?", q.conversation_key, before, limit);
      } else if (q.status !== undefined) {
        rows = db.all("SELECT * FROM reports WHERE status = ? AND id < ? ORDER BY id DESC LIMIT ?", q.status, before, limit);
      } else {
        rows = db.all("SELECT * FROM reports WHERE id < ? ORDER BY id DESC LIMIT ?", before, limit);
      }
      return rows.map(reportFromRow);
    },
    resolve(id, res) {
      const r = db.get(
        `UPDATE reports SET status = 'resolved', resolved_action = ?, resolved_note = ?, resolved_by = ?, resolved_at = ?, updated_at = ?
         WHERE id = ? AND status = 'open' RETURNING *`,
        res.action, res.note ?? null, res.by, ms(res.at), ms(res.at), id,
      );
      return r ? reportFromRow(r) : null;
    },
  };
  return asyncRepo(db, repo);
}

/** db:copy's view of the table: pages in id order, upserts by id. */
export function reportsCopyTable(db: SqliteDb) {
  return {
    page(after: string | null, limit: number): CopyPage {
      const rows = db.all("SELECT * FROM reports WHERE id > ? ORDER BY id LIMIT ?", after ?? "", limit).map(reportFromRow);
      const last = rows.at(-1);
      return { rows: rows as unknown as Record<string, unknown>[], next: rows.length >= limit && last ? last.id : null };
    },
    count: () => num(db.get("SELECT count(*) AS n FROM reports")?.n),
    put: (r: Record<string, unknown>) => putReport(db, r as unknown as ReportRecord),
  };
}
