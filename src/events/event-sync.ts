// GET /api/events/sync, the read side of the event log: a user's events after a position,
// in order, paged, never past a hole that may still fill. The common case (a client away
// for seconds or minutes, maybe thousands at once after a node died) is served from the
// shared tail read (event-tail.ts); a position older than the tail by direct queries.
import type { Model } from "mongoose";
import { AppError } from "../shared/errors.ts";
import type { EventDoc, StreamDoc } from "./event.model.ts";
import { firstAfter, settledThrough, type EventTail } from "./event-tail.ts";

export interface SyncPage {
  epoch: string;
  events: { event_seq: number; type: string; namespace: string; data: Record<string, unknown>; created_at: string }[];
  next: number;
  has_more: boolean;
  /** Set when the page stopped at events still being written: sync again after this delay. */
  retry_after_ms?: number;
}

// How far one direct query looks ahead for holes.
const SCAN = 5000;

export function createEventSync(d: { Event: Model<EventDoc>; tail: EventTail; stream: () => Promise<StreamDoc>; graceMs: number; maxPage: number }) {
  /** The settled positions after `since` and the user's events among them, by direct queries. */
  async function direct(since: number, userId: string, conversationKeys: string[], max: number) {
    const ids = await d.Event.find({ _id: { $gt: since } }, { _id: 1, created_at: 1 }).sort({ _id: 1 }).limit(SCAN).lean();
    const cap = settledThrough(ids, since, Date.now(), d.graceMs);
    const rows = await d.Event.find({
      _id: { $gt: since, $lte: cap.through },
      $or: [{ user_ids: userId }, { conversation_key: { $in: conversationKeys } }],
    })
      .sort({ _id: 1 })
      .limit(max)
      .lean();
    return { ...cap, more: cap.waiting || ids.length === SCAN, rows };
  }

  return {
    /** Events after `since` visible to a user who is a member of `conversationKeys`. */
    async sync(userId: string, conversationKeys: string[], since: number, epoch: string | undefined, limit: number): Promise<SyncPage> {
      const view = await d.tail.view(since);
      const s = view?.stream ?? (await d.stream());
      if (epoch !== undefined && epoch !== s.epoch) {
        throw new AppError("resync_required", "The event stream was reset (epoch changed); refetch history", { epoch: s.epoch });
      }
      if (since < s.pruned_through) {
        throw new AppError("resync_required", `Events up to ${s.pruned_through} were pruned; refetch history`, {
          epoch: s.epoch,
          oldest_available: s.pruned_through + 1,
        });
      }
      const take = Math.min(Math.max(limit, 1), d.maxPage);
      let found: { through: number; waiting: boolean; more: boolean; rows: EventDoc[] };
      if (view) {
        // The same rule over the tail, with hole ages judged at the tail's read.
        const start = firstAfter(view.rows, since);
        const cap = settledThrough(view.rows, since, view.readAt, d.graceMs, start);
        const keys = new Set(conversationKeys);
        const rows: EventDoc[] = [];
        for (let i = start; i < view.rows.length && rows.length <= take; i++) {
          const row = view.rows[i]!;
          if (row._id > cap.through) break;
          if ((row.conversation_key !== null && keys.has(row.conversation_key)) || row.user_ids.includes(userId)) rows.push(row);
        }
        found = { ...cap, more: cap.waiting, rows };
      } else found = await direct(since, userId, conversationKeys, take + 1);
      const page = found.rows.slice(0, take);
      const full = found.rows.length > take;
      return {
        epoch: s.epoch,
        events: page.map((r) => ({
          event_seq: r._id,
          type: r.type,
          namespace: r.ns,
          data: { ...r.payload, meta: { event_seq: r._id, epoch: s.epoch } },
          created_at: r.created_at.toISOString(),
        })),
        // Past other users' events too: the cursor may move beyond the last event returned.
        next: full ? page[page.length - 1]!._id : found.through,
        has_more: full || found.more,
        ...(found.waiting ? { retry_after_ms: d.graceMs / 10 } : {}),
      };
    },
  };
}
