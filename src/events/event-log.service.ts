// Appends durable events, keeps the stream document, prunes; /api/events/sync reads
// through event-sync.ts.
import { isDuplicateKeyError } from "../infra/mongo.ts";
import { randomUUID } from "node:crypto";
import type { Model, mongo } from "mongoose";
import { createCoalescer } from "../shared/read-batcher.ts";
import type { EventDoc, StreamDoc } from "./event.model.ts";
import { createEventSync } from "./event-sync.ts";
import { createEventTail } from "./event-tail.ts";

const STREAM_ID = "main";

export interface AppendInput {
  type: string;
  ns: string;
  conversationKey?: string | undefined;
  userIds?: string[] | undefined;
  payload: Record<string, unknown>;
}

// Sync never serves past a hole younger than this; an older hole is a position whose writer
// died and will never fill. This node's own writes leave no holes (see below): a reader
// sees one only while another writer's insert is landing, or in old data.
const HOLE_GRACE_MS = 3000;
const BATCH = 500;
// Events the shared tail keeps in memory for sync (src/events/event-tail.ts).
const TAIL_MAX = 5000;
// How often (at most) the stream document's last_seq follows what this node has written.
const PUBLISH_HEAD_MS = 250;

// Positions: this node remembers the highest position it knows to exist (its own last
// write, or the highest found in the collection) and writes each batch right after it, so
// a position is only ever written once the one before it is visible: positions become
// visible in order, and sync can never skip one that is still to be written. The unique
// _id decides between two nodes writing the same position: the loser rereads the highest
// position and writes after it. No counter round trip is in series with the insert; the
// stream document's last_seq is raised after the fact ($max), as a lower bound of the head
// for lastSeq() and as the floor when every event has been pruned.
export function createEventLog(d: { Event: Model<EventDoc>; Stream: Model<StreamDoc>; retentionSec: number; maxPage: number }) {
  let epochCache: string | undefined;
  // The driver's collection: an insert without mongoose's document building.
  const events = d.Event.collection as unknown as mongo.Collection<EventDoc>;
  /** The highest position known to exist; undefined: unknown, reread before the next write. */
  let head: number | undefined;
  /** The highest position this node has written (for lastSeq, and to publish to the stream document). */
  let written = 0;
  /** What the stream document's last_seq is known to hold of `written`; a write of it is in progress. */
  let published = 0;
  let publishing = false;

  async function createStream(): Promise<StreamDoc> {
    // $setOnInsert keeps the epoch stable once the stream exists.
    for (let attempt = 0; ; attempt++) {
      try {
        const doc = await d.Stream.findOneAndUpdate(
          { _id: STREAM_ID },
          { $setOnInsert: { epoch: randomUUID(), last_seq: 0, pruned_through: 0, created_at: new Date() } },
          { upsert: true, returnDocument: "after" },
        ).lean();
        return doc!;
      } catch (err) {
        // Two nodes created it at once (an upsert is not atomic on FerretDB v1): read theirs.
        if (!isDuplicateKeyError(err) || attempt >= 2) throw err;
      }
    }
  }

  // Every socket connect reads the stream (its `session` event carries last_event_seq), and
  // after a node dies thousands connect at once: they share reads (src/shared/read-batcher.ts).
  const readStream = createCoalescer<null, StreamDoc>(async (callers) => {
    const doc = (await d.Stream.findById(STREAM_ID).lean()) ?? (await createStream());
    return callers.map(() => doc);
  });

  /** The stream document: a plain read (shared by concurrent callers), created on first use. */
  async function stream(): Promise<StreamDoc> {
    const doc = await readStream(null);
    // A stream reset (new epoch) starts over: positions are reread before the next write.
    if (epochCache !== undefined && epochCache !== doc.epoch) {
      head = undefined;
      written = 0;
      published = 0;
    }
    epochCache = doc.epoch;
    return doc;
  }

  const reader = createEventSync({
    Event: d.Event,
    tail: createEventTail({ Event: d.Event, Stream: d.Stream, streamId: STREAM_ID, graceMs: HOLE_GRACE_MS, maxEvents: TAIL_MAX }),
    stream,
    graceMs: HOLE_GRACE_MS,
    maxPage: d.maxPage,
  });

  /** The highest position that exists (or existed before pruning). */
  async function readHead(): Promise<number> {
    const s = await stream();
    const floor = Math.max(s.last_seq, s.pruned_through);
    const top = await d.Event.findOne({ _id: { $gt: floor } }, { _id: 1 }).sort({ _id: -1 }).lean();
    return Math.max(floor, top?._id ?? 0, written);
  }

  function publishHead() {
    if (publishing || written <= published) return;
    publishing = true;
    const target = written;
    setTimeout(() => {
      d.Stream.updateOne({ _id: STREAM_ID }, { $max: { last_seq: target } })
        .then(
          () => (published = Math.max(published, target)),
          () => {}, // retried with the next write
        )
        .finally(() => {
          publishing = false;
          publishHead();
        });
    }, PUBLISH_HEAD_MS).unref();
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
      if (head === undefined || epochCache === undefined) head = await readHead();
      const epoch = epochCache!;
      const first = head + 1;
      const last = head + pending.length;
      const writer = randomUUID();
      const now = new Date();
      const docs: EventDoc[] = pending.map((b, i) => ({
        _id: first + i,
        type: b.e.type,
        ns: b.e.ns,
        conversation_key: b.e.conversationKey ?? null,
        user_ids: b.e.userIds ?? [],
        payload: b.e.payload,
        writer,
        created_at: now,
      }));
      let ours: Set<number>;
      try {
        // Ordered: a position is written only after the one before it.
        await events.insertMany(docs, { ordered: true, ignoreUndefined: true });
        ours = new Set(docs.map((x) => x._id));
        head = last;
      } catch (err) {
        // What got written is unknown until reread; never write past a position not seen.
        head = undefined;
        if (!isDuplicateKeyError(err)) throw err;
        // Another node wrote some of these positions first: keep what we wrote (a prefix,
        // the insert being ordered), write the rest after the highest position now there
        // (one read tells both).
        const found = await d.Event.find({ _id: { $gte: first } }, { _id: 1, writer: 1 }).lean();
        ours = new Set(found.filter((x) => x.writer === writer).map((x) => x._id));
        if (found.length) head = found.reduce((top, x) => Math.max(top, x._id), 0);
      }
      const retry: Queued[] = [];
      pending.forEach((b, i) => (ours.has(first + i) ? b.resolve({ event_seq: first + i, epoch }) : retry.push(b)));
      for (const id of ours) if (id > written) written = id;
      pending = retry;
    }
    publishHead();
  }

  return {
    async epoch(): Promise<string> {
      return epochCache ?? (await stream()).epoch;
    },

    /**
     * Where a new client's stream starts: at least every position this node has written, and
     * what the stream document records of other nodes' writes (it may lag them a little;
     * a client then syncs a few events it already has, and dedupes them). A plain read.
     */
    async lastSeq(): Promise<number> {
      const s = await stream();
      return Math.max(s.last_seq, written);
    },

    /**
     * Appends an event; resolves with its position once it is written. Appends are queued
     * and written in batches (one insert per batch: a group commit), so a burst costs few
     * round trips.
     */
    append(e: AppendInput): Promise<{ event_seq: number; epoch: string }> {
      return new Promise((resolve, reject) => {
        queue.push({ e, resolve, reject });
        if (!draining) void drain();
      });
    },

    /** Events after `since` visible to a user who is a member of `conversationKeys` (event-sync.ts). */
    sync: reader.sync,

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
