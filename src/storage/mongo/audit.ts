// The audit log on MongoDB: one document per event in `audit_events` (audit-schema.ts).
import type { Model } from "mongoose";
import type { AuditData, AuditRecord, AuditRepository } from "../../audit/audit.repository.ts";
import type { AuditDoc } from "./audit-schema.ts";
import { raw } from "./schemas.ts";

export const toAudit = (d: AuditDoc): AuditRecord => ({
  id: d._id,
  user_id: d.user_id,
  type: d.type,
  at: d.at,
  ip: d.ip ?? null,
  device: d.device ?? null,
  data: JSON.parse(d.data) as AuditData,
});

export const auditDoc = (e: AuditRecord): AuditDoc => ({
  _id: e.id,
  user_id: e.user_id,
  type: e.type,
  at: e.at,
  ip: e.ip ?? null,
  device: e.device ?? null,
  data: JSON.stringify(e.data ?? {}),
});

export function mongoAudit(Audit: Model<AuditDoc>): AuditRepository {
  return {
    async append(e) {
      await raw(Audit).insertOne(auditDoc(e));
    },
    async ofUser(userId, before, limit) {
      // The cursor as two branches (older, or as old with a lower _id), each a range of the
      // (user_id, at, _id) index. The values come from the token and a parsed cursor, never
      // a client's object, so no sanitizeFilter (it would turn $lt into a literal).
      const filter = before ? { user_id: userId, $or: [{ at: { $lt: before.at } }, { at: before.at, _id: { $lt: before.id } }] } : { user_id: userId };
      const docs = await Audit.find(filter).sort({ at: -1, _id: -1 }).limit(limit).lean<AuditDoc[]>();
      return docs.map(toAudit);
    },
    async prune(before) {
      return (await Audit.deleteMany({ at: { $lt: before } })).deletedCount;
    },
  };
}
