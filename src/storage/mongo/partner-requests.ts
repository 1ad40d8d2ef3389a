import type { Model } from "mongoose";
import type { PartnerRequestRecord, PartnerRequestRepository, PartnerRequestStatus } from "../../couples/partner-request.repository.ts";
import type { Claims } from "./claims.ts";
import { raw, type PartnerRequestDoc } from "./schemas.ts";

export function toPartnerRequest(d: PartnerRequestDoc): PartnerRequestRecord {
  return {
    id: d._id,
    sender_id: d.sender_id,
    recipient_id: d.recipient_id,
    status: d.status as PartnerRequestStatus,
    created_at: d.created_at,
    responded_at: d.responded_at ?? null,
  };
}

export function partnerRequestDoc(r: PartnerRequestRecord): PartnerRequestDoc {
  const { id, ...rest } = r;
  return { _id: id, ...rest, responded_at: r.responded_at ?? null };
}

/** Newest first, then by id (the order SQLite gives). */
function newestFirst(x: PartnerRequestRecord, y: PartnerRequestRecord): number {
  return y.created_at.getTime() - x.created_at.getTime() || (y.id < x.id ? -1 : y.id > x.id ? 1 : 0);
}

// A request leaves each status at most once (pending → accepted | rejected | cancelled,
// accepted → cancelled: no cycle), so "who moved it out of `from`" is a claim per
// (request, from) and the status write follows the winner's claim.
const leaving = (id: string, from: string) => `request:${id}:${from}`;

export function mongoPartnerRequests(d: { PartnerRequest: Model<PartnerRequestDoc>; claims: Claims }): PartnerRequestRepository {
  const { PartnerRequest, claims } = d;
  const PENDING = "pending";

  async function transition(id: string, from: PartnerRequestStatus, to: PartnerRequestStatus, at: Date): Promise<boolean> {
    const current = await PartnerRequest.findById(id, { status: 1 }).lean<Pick<PartnerRequestDoc, "status">>();
    if (current?.status !== from) return false;
    const claim = leaving(id, from);
    if (await claims.take(claim, to, at)) {
      await PartnerRequest.updateOne({ _id: id, status: from }, { $set: { status: to, responded_at: at } });
      return true;
    }
    // Another caller's claim; if its writer died before the status write, finish it.
    const c = await claims.get(claim);
    if (c && claims.settled(c)) await PartnerRequest.updateOne({ _id: id, status: from }, { $set: { status: c.value, responded_at: c.at } });
    return false;
  }

  return {
    async create(r) {
      const doc: PartnerRequestDoc = { _id: r.id, sender_id: r.sender_id, recipient_id: r.recipient_id, status: PENDING, created_at: r.created_at, responded_at: null };
      await raw(PartnerRequest).insertOne(doc);
      return toPartnerRequest(doc);
    },

    async byId(id) {
      const doc = await PartnerRequest.findById(id).lean<PartnerRequestDoc>();
      return doc ? toPartnerRequest(doc) : null;
    },

    async pendingBetween(a, b) {
      const doc = await PartnerRequest.findOne({
        $or: [
          { sender_id: a, status: PENDING, recipient_id: b },
          { sender_id: b, status: PENDING, recipient_id: a },
        ],
      }).lean<PartnerRequestDoc>();
      return doc ? toPartnerRequest(doc) : null;
    },

    async pendingOf(userId) {
      // A user has few pending requests: both index ranges, sorted here.
      const docs = await PartnerRequest.find({ status: PENDING, $or: [{ sender_id: userId }, { recipient_id: userId }] }).lean<PartnerRequestDoc[]>();
      return docs.map(toPartnerRequest).sort(newestFirst);
    },

    transition,

    async cancelPendingOf(userIds, at) {
      if (userIds.length === 0) return 0;
      const ids = [...userIds];
      const pending = await PartnerRequest.find({ status: PENDING, $or: [{ sender_id: { $in: ids } }, { recipient_id: { $in: ids } }] }, { _id: 1 }).lean<
        Pick<PartnerRequestDoc, "_id">[]
      >();
      const moved = await Promise.all(pending.map((p) => transition(p._id, PENDING, "cancelled", at)));
      return moved.filter(Boolean).length;
    },
  };
}
