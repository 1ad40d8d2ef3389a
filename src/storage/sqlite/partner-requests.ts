import type { PartnerRequestRecord, PartnerRequestRepository, PartnerRequestStatus } from "../../couples/partner-request.repository.ts";
import { asyncRepo, date, dateOrNull, list, ms, msOrNull, str, type Row, type SqliteDb, type Sync } from "./database.ts";

export function partnerRequestFromRow(r: Row): PartnerRequestRecord {
  return {
    id: str(r.id),
    sender_id: str(r.sender_id),
    recipient_id: str(r.recipient_id),
    status: str(r.status) as PartnerRequestStatus,
    created_at: date(r.created_at),
    responded_at: dateOrNull(r.responded_at),
  };
}

export function putPartnerRequest(db: SqliteDb, p: PartnerRequestRecord, replace: boolean): void {
  db.run(
    `INSERT ${replace ? "OR REPLACE " : ""}INTO partner_requests (id, sender_id, recipient_id, status, created_at, responded_at) VALUES (?, ?, ?, ?, ?, ?)`,
    p.id, p.sender_id, p.recipient_id, p.status, ms(p.created_at), msOrNull(p.responded_at),
  );
}

/** Newest first, then by id, the order both pending lists are merged in. */
function newestFirst(x: PartnerRequestRecord, y: PartnerRequestRecord): number {
  return y.created_at.getTime() - x.created_at.getTime() || (y.id < x.id ? -1 : y.id > x.id ? 1 : 0);
}

export function sqlitePartnerRequests(db: SqliteDb): PartnerRequestRepository {
  const repo: Sync<PartnerRequestRepository> = {
    create(r) {
      const record: PartnerRequestRecord = { ...r, status: "pending", responded_at: null };
      putPartnerRequest(db, record, false);
      return record;
    },
    byId(id) {
      const r = db.get("SELECT * FROM partner_requests WHERE id = ?", id);
      return r ? partnerRequestFromRow(r) : null;
    },
    pendingBetween(a, b) {
      const r = db.get(
        `SELECT * FROM partner_requests WHERE sender_id = ?1 AND status = 'pending' AND recipient_id = ?2
         UNION ALL
         SELECT * FROM partner_requests WHERE sender_id = ?2 AND status = 'pending' AND recipient_id = ?1
         LIMIT 1`,
        a, b,
      );
      return r ? partnerRequestFromRow(r) : null;
    },
    pendingOf(userId) {
      // Two index ranges (sent, received) merged here rather than one OR with a sort.
      const sent = db.all("SELECT * FROM partner_requests WHERE sender_id = ? AND status = 'pending'", userId);
      const received = db.all("SELECT * FROM partner_requests WHERE recipient_id = ? AND status = 'pending'", userId);
      const byId = new Map([...sent, ...received].map((r) => [str(r.id), partnerRequestFromRow(r)]));
      return [...byId.values()].sort(newestFirst);
    },
    transition(id, from, to, at) {
      return db.run("UPDATE partner_requests SET status = ?, responded_at = ? WHERE id = ? AND status = ?", to, ms(at), id, from) === 1;
    },
    cancelPendingOf(userIds, at) {
      return db.tx(() => {
        const ids = list(userIds);
        const cancel = (column: "sender_id" | "recipient_id") =>
          db.run(
            `UPDATE partner_requests SET status = 'cancelled', responded_at = ?
             WHERE ${column} IN (SELECT value FROM json_each(?)) AND status = 'pending'`,
            ms(at), ids,
          );
        return cancel("sender_id") + cancel("recipient_id");
      });
    },
  };
  return asyncRepo(db, repo);
}
