// Appends durable events and serves /api/events/sync.
import { randomUUID } from "node:crypto";
import type { Model } from "mongoose";
import { AppError } from "../shared/errors.ts";
import type { EventDoc, StreamDoc } from "./event.model.ts";

const STREAM_ID = "main";

export interface AppendInput {
  type: string;
  ns: string;
  conversationKey?: string | undefined;
  userIds?: string[] | undefined;
  payload: Record<string, unknown>;
}

export interface SyncPage {
  epoch: string;
  events: { event_seq: number; type: string; namespace: string; data: Record<string, unknown>; created_at: string }[];
  next: number;
  has_more: boolean;
}

export function createEventLog(d: { Event: Model<EventDoc>; Stream: Model<StreamDoc>; retentionSec: number; maxPage: number }) {
  let epochCache: string | undefined;

  async function stream(): Promise<StreamDoc> {
    // Upsert creates the stream (and its epoch) on first use; $setOnInsert keeps it stable after.
    const doc = await d.Stream.findOneAndUpdate(
      { _id: STREAM_ID },
      { $setOnInsert: { epoch: randomUUID(), last_seq: 0, pruned_through: 0, created_at: new Date() } },
      { upsert: true, returnDocument: "after" },
    ).lean();
    epochCache = doc!.epoch;
    return doc!;
  }

  return {
    async epoch(): Promise<string> {
      return epochCache ?? (await stream()).epoch;
    },

    async lastSeq(): Promise<number> {
      return (await stream()).last_seq;
    },

    async append(e: AppendInput): Promise<{ event_seq: number; epoch: string }> {
      // The $inc hands out the position; the event's _id is that position, so two events can
      // never share one. Should a counter ever hand out a taken value (FerretDB v1 does not
      // apply $inc atomically under concurrency), the insert fails and we take the next.
      for (;;) {
        const head = (await d.Stream.findOneAndUpdate(
          { _id: STREAM_ID },
          { $inc: { last_seq: 1 }, $setOnInsert: { epoch: randomUUID(), pruned_through: 0, created_at: new Date() } },
          { upsert: true, returnDocument: "after" },
        ).lean())!;
        try {
          await d.Event.create({
            _id: head.last_seq,
            type: e.type,
            ns: e.ns,
            conversation_key: e.conversationKey ?? null,
            user_ids: e.userIds ?? [],
            payload: e.payload,
            created_at: new Date(),
          });
        } catch (err) {
          if ((err as { code?: number }).code === 11000) continue;
          throw err;
        }
        epochCache = head.epoch;
        return { event_seq: head.last_seq, epoch: head.epoch };
      }
    },

    /** Events after `since` visible to a user who is a member of `conversationKeys`. */
    async sync(userId: string, conversationKeys: string[], since: number, epoch: string | undefined, limit: number): Promise<SyncPage> {
      const s = await stream();
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
      const rows = await d.Event.find({
        _id: { $gt: since },
        $or: [{ user_ids: userId }, { conversation_key: { $in: conversationKeys } }],
      })
        .sort({ _id: 1 })
        .limit(take + 1)
        .lean();
      const page = rows.slice(0, take);
      return {
        epoch: s.epoch,
        events: page.map((r) => ({
          event_seq: r._id,
          type: r.type,
          namespace: r.ns,
          data: { ...r.payload, meta: { event_seq: r._id, epoch: s.epoch } },
          created_at: r.created_at.toISOString(),
        })),
        next: page.length ? page[page.length - 1]!._id : since,
        has_more: rows.length > take,
      };
    },

    /** Deletes events older than the retention and remembers how far it pruned. */
    async prune(now = Date.now()): Promise<number> {
      const cutoff = new Date(now - d.retentionSec * 1000);
      const newestOld = await d.Event.findOne({ created_at: { $lt: cutoff } }).sort({ _id: -1 }).lean();
      if (!newestOld) return 0;
      await d.Stream.updateOne({ _id: STREAM_ID, pruned_through: { $lt: newestOld._id } }, { $set: { pruned_through: newestOld._id } });
      const res = await d.Event.deleteMany({ _id: { $lte: newestOld._id } });
      return res.deletedCount;
    },
  };
}

export type EventLog = ReturnType<typeof createEventLog>;
