// Appends durable events and serves /api/events/sync.
import { isDuplicateKeyError } from "../infra/mongo.ts";
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
  /** Set when the page stopped at events still being written: sync again after this delay. */
  retry_after_ms?: number;
}

// Positions are handed out before their events are written, so two writers can land out of
// order: 11 may be visible while 10 is still on its way. Sync therefore never serves past a
// hole younger than this; an older hole is a writer that died and will never fill.
const HOLE_GRACE_MS = 3000;
const BATCH = 500;
const SCAN = 5000;

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

  interface Queued {
    e: AppendInput;
    resolve: (r: { event_seq: number; epoch: string }) => void;
    reject: (err: unknown) => void;
  }
  const queue: Queued[] = [];
  let draining = false;

  async function drain() {
    draining = true;
    try {
      while (queue.length) {
        const batch = queue.splice(0, BATCH);
        await writeBatch(batch).catch((err) => batch.forEach((b) => b.reject(err)));
      }
    } finally {
      draining = false;
    }
  }

  async function writeBatch(batch: Queued[]) {
    let pending = batch;
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt >= 20) throw new Error("event stream: could not allocate positions");
      const head = (await d.Stream.findOneAndUpdate(
        { _id: STREAM_ID },
        { $inc: { last_seq: pending.length }, $setOnInsert: { epoch: randomUUID(), pruned_through: 0, created_at: new Date() } },
        { upsert: true, returnDocument: "after" },
      ).lean())!;
      epochCache = head.epoch;
      const first = head.last_seq - pending.length + 1;
      const writer = randomUUID();
      const docs = pending.map((b, i) => ({
        _id: first + i,
        type: b.e.type,
        ns: b.e.ns,
        conversation_key: b.e.conversationKey ?? null,
        user_ids: b.e.userIds ?? [],
        payload: b.e.payload,
        writer,
        created_at: new Date(),
      }));
      let written = new Set(docs.map((x) => x._id));
      try {
        await d.Event.insertMany(docs, { ordered: true });
      } catch (err) {
        if (!isDuplicateKeyError(err)) throw err;
        // Another node holds some of these positions (its counter update was lost against
        // ours, as on FerretDB v1): keep what we wrote, retry the rest with new positions.
        const ours = await d.Event.find({ _id: { $gte: first, $lte: head.last_seq }, writer }, { _id: 1 }).lean();
        written = new Set(ours.map((x) => x._id));
      }
      const retry: Queued[] = [];
      pending.forEach((b, i) => (written.has(first + i) ? b.resolve({ event_seq: first + i, epoch: head.epoch }) : retry.push(b)));
      pending = retry;
    }
  }

  /** The highest position up to which the stream has no hole that may still fill. */
  async function settledThrough(since: number): Promise<{ through: number; more: boolean; waiting: boolean }> {
    const ids = await d.Event.find({ _id: { $gt: since } }, { _id: 1, created_at: 1 }).sort({ _id: 1 }).limit(SCAN).lean();
    const now = Date.now();
    let through = since;
    for (const row of ids) {
      if (row._id !== through + 1 && now - row.created_at.getTime() < HOLE_GRACE_MS) return { through, more: true, waiting: true };
      through = row._id;
    }
    return { through, more: ids.length === SCAN, waiting: false };
  }

  return {
    async epoch(): Promise<string> {
      return epochCache ?? (await stream()).epoch;
    },

    async lastSeq(): Promise<number> {
      return (await stream()).last_seq;
    },

    /**
     * Appends an event; resolves with its position once it is written. Appends are queued
     * and written in batches (one counter update and one insert per batch: a group commit),
     * so the stream counter is never raced on this node and a burst costs few round trips.
     */
    append(e: AppendInput): Promise<{ event_seq: number; epoch: string }> {
      return new Promise((resolve, reject) => {
        queue.push({ e, resolve, reject });
        if (!draining) void drain();
      });
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
      const cap = await settledThrough(since);
      const rows = await d.Event.find({
        _id: { $gt: since, $lte: cap.through },
        $or: [{ user_ids: userId }, { conversation_key: { $in: conversationKeys } }],
      })
        .sort({ _id: 1 })
        .limit(take + 1)
        .lean();
      const page = rows.slice(0, take);
      const full = rows.length > take;
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
        next: full ? page[page.length - 1]!._id : cap.through,
        has_more: full || cap.more,
        ...(cap.waiting ? { retry_after_ms: HOLE_GRACE_MS / 10 } : {}),
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
