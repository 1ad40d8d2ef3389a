// Reports (src/moderation/report.repository.ts). The unique open_key decides "one open
// report per reporter and target" with an insert, the only write FerretDB v1 makes
// atomically: a repeat finds its insert refused and updates the open one instead.
import type { Model } from "mongoose";
import type { MessageSnapshot, NewReport, ReportAction, ReportReason, ReportRecord, ReportRepository, ReportStatus } from "../../moderation/report.repository.ts";
import { targetKey } from "../../moderation/report.repository.ts";
import { inserted } from "./errors.ts";
import type { ReportDoc } from "./moderation-schemas.ts";
import { raw } from "./schemas.ts";

export function toReport(d: ReportDoc): ReportRecord {
  return {
    id: d._id,
    reporter_id: d.reporter_id,
    target_type: d.target_type as ReportRecord["target_type"],
    target_user_id: d.target_user_id,
    conversation_key: d.conversation_key ?? null,
    message_id: d.message_id ?? null,
    reason: d.reason as ReportReason,
    note: d.note ?? null,
    snapshot: (d.snapshot as MessageSnapshot | null) ?? null,
    status: d.status as ReportStatus,
    resolution: d.resolved_at
      ? { action: d.resolved_action as ReportAction, note: d.resolved_note ?? null, by: d.resolved_by ?? "", at: d.resolved_at }
      : null,
    created_at: d.created_at,
    updated_at: d.updated_at,
  };
}

const openKey = (r: Pick<ReportRecord, "reporter_id" | "target_type" | "message_id" | "target_user_id">) => `${r.reporter_id}|${targetKey(r)}`;
const resolvedKey = (id: string) => `resolved:${id}`;

export function reportDoc(r: ReportRecord): ReportDoc {
  const res = r.resolution;
  return {
    _id: r.id,
    reporter_id: r.reporter_id,
    target_type: r.target_type,
    target_key: targetKey(r),
    target_user_id: r.target_user_id,
    conversation_key: r.conversation_key ?? null,
    message_id: r.message_id ?? null,
    reason: r.reason,
    note: r.note ?? null,
    snapshot: r.snapshot ?? null,
    status: r.status,
    open_key: r.status === "open" ? openKey(r) : resolvedKey(r.id),
    resolved_action: res?.action ?? null,
    resolved_note: res?.note ?? null,
    resolved_by: res?.by ?? null,
    resolved_at: res?.at ?? null,
    created_at: r.created_at,
    updated_at: r.updated_at,
  };
}

export function mongoReports(Report: Model<ReportDoc>): ReportRepository {
  return {
    async file(n: NewReport) {
      const doc = reportDoc({ ...n, status: "open", resolution: null, updated_at: n.created_at });
      for (let attempt = 0; ; attempt++) {
        if (await inserted(raw(Report).insertOne(doc))) return { report: toReport(doc), created: true };
        const set = { reason: doc.reason, note: doc.note, snapshot: doc.snapshot, updated_at: doc.updated_at };
        const updated = await Report.findOneAndUpdate({ open_key: doc.open_key }, { $set: set }, { returnDocument: "after" }).lean<ReportDoc>();
        if (updated) return { report: toReport(updated), created: false };
        // The open one was resolved between the two (or FerretDB refused the insert before the
        // winner's document was readable): the next insert decides.
        if (attempt >= 3) throw new Error(`report of ${doc.open_key}: neither inserted nor found open`);
      }
    },

    async byId(id) {
      const doc = await Report.findById(id).lean<ReportDoc>();
      return doc ? toReport(doc) : null;
    },

    async list(q) {
      if (q.limit <= 0) return [];
      const filter: Record<string, unknown> = {};
      if (q.conversation_key !== undefined) filter.conversation_key = q.conversation_key;
      if (q.status !== undefined) filter.status = q.status;
      if (q.before !== undefined) filter._id = { $lt: q.before };
      return (await Report.find(filter).sort({ _id: -1 }).limit(q.limit).lean<ReportDoc[]>()).map(toReport);
    },

    async resolve(id, res) {
      const set = {
        status: "resolved",
        open_key: resolvedKey(id),
        resolved_action: res.action,
        resolved_note: res.note ?? null,
        resolved_by: res.by,
        resolved_at: res.at,
        updated_at: res.at,
      };
      const doc = await Report.findOneAndUpdate({ _id: id, status: "open" }, { $set: set }, { returnDocument: "after" }).lean<ReportDoc>();
      return doc ? toReport(doc) : null;
    },
  };
}
