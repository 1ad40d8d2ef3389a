// Stream positions 1, 2, 3... that become visible in order, with no hole, written by any
// number of nodes, without transactions or counters.
//
// A position is written only right after one known to exist (the highest position read
// from the collection, or this node's own last successful write), and a batch is one
// ordered insertMany of consecutive positions, so the server stores P before P+1: a reader
// can never see P+1 without P. The unique _id decides between two nodes writing the same
// position. The loser keeps what it did write (the positions of its batch carrying its
// writer token: a prefix, the insert being ordered), rereads the highest position and
// writes the rest after it. Any other failure forgets the head, so the next write rereads it.
//
// This node's own last write is trusted as the head for HEAD_TTL_MS only: a prune on
// another node deletes positions (created before its cut, which is far older than that),
// and a position above a cached head that a prune removed must not be written again.
//
// Group commit: appends that arrive while a batch is being written are queued and written
// together as the next batch (one insertMany), in arrival order.
import { randomUUID } from "node:crypto";
import type { Model } from "mongoose";
import { StorageUnavailableError } from "../errors.ts";
import { isDuplicateKey } from "./errors.ts";
import { raw, type EventDoc, type StreamDoc } from "./schemas.ts";

const MAX_ATTEMPTS = 50;
const MAX_BATCH = 1000;
const HEAD_TTL_MS = 30_000;

type Prepared = Omit<EventDoc, "_id" | "writer">;

interface Waiter {
  events: Prepared[];
  resolve(positions: number[]): void;
  reject(err: unknown): void;
}

/** The payload as JSON text, or why it cannot be stored. */
export function payloadText(payload: unknown): string | Error {
  try {
    const text = JSON.stringify(payload);
    return typeof text === "string" ? text : new TypeError("event payload is not representable as JSON");
  } catch (err) {
    return err instanceof Error ? err : new TypeError(String(err));
  }
}

export function createEventAppender(d: { Event: Model<EventDoc>; Stream: Model<StreamDoc>; streamId: string }) {
  /** The highest position known to exist (or pruned); undefined: reread before writing. */
  let head: number | undefined;
  let headAt = 0;
  const queue: Waiter[] = [];
  let draining = false;

  /** The highest position written or pruned, read from the database. */
  async function readHead(): Promise<number> {
    const [top, stream] = await Promise.all([
      d.Event.findOne({}, { _id: 1 }).sort({ _id: -1 }).lean<Pick<EventDoc, "_id">>(),
      d.Stream.findById(d.streamId, { pruned_through: 1 }).lean<Pick<StreamDoc, "pruned_through">>(),
    ]);
    return Math.max(top?._id ?? 0, stream?.pruned_through ?? 0);
  }

  /** Writes the events in order; returns their positions. */
  async function write(events: Prepared[]): Promise<number[]> {
    const positions: number[] = new Array(events.length);
    let pending = events.map((e, i) => ({ e, i }));
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt >= MAX_ATTEMPTS) throw new StorageUnavailableError(`event stream: no free positions after ${MAX_ATTEMPTS} attempts`);
      if (head === undefined || Date.now() - headAt > HEAD_TTL_MS) head = await readHead();
      const first = head + 1;
      const writer = randomUUID();
      const docs: EventDoc[] = pending.map((p, k) => ({ _id: first + k, ...p.e, writer }));
      try {
        await raw(d.Event).insertMany(docs, { ordered: true });
        pending.forEach((p, k) => (positions[p.i] = first + k));
        head = first + docs.length - 1;
        headAt = Date.now();
        return positions;
      } catch (err) {
        head = undefined;
        if (!isDuplicateKey(err)) throw err;
      }
      // Another node took some of these positions: keep ours, write the rest after the top.
      const last = first + docs.length - 1;
      const found = await d.Event.find({ _id: { $gte: first, $lte: last } }, { _id: 1, writer: 1 }).lean<Pick<EventDoc, "_id" | "writer">[]>();
      const ours = new Set(found.filter((x) => x.writer === writer).map((x) => x._id));
      const rest: typeof pending = [];
      pending.forEach((p, k) => (ours.has(first + k) ? (positions[p.i] = first + k) : rest.push(p)));
      pending = rest;
    }
    return positions;
  }

  async function drain() {
    draining = true;
    try {
      while (queue.length > 0) {
        const batch: Waiter[] = [];
        let size = 0;
        while (queue.length > 0 && (batch.length === 0 || size + queue[0]!.events.length <= MAX_BATCH)) {
          const w = queue.shift()!;
          batch.push(w);
          size += w.events.length;
        }
        try {
          const positions = await write(batch.flatMap((w) => w.events));
          let at = 0;
          for (const w of batch) {
            w.resolve(positions.slice(at, at + w.events.length));
            at += w.events.length;
          }
        } catch (err) {
          for (const w of batch) w.reject(err);
        }
      }
    } finally {
      draining = false;
    }
  }

  return {
    readHead,
    /** Queues the events for the next batch; resolves with their positions once written. */
    write(events: Prepared[]): Promise<number[]> {
      if (events.length === 0) return Promise.resolve([]);
      return new Promise((resolve, reject) => {
        queue.push({ events, resolve, reject });
        if (!draining) void drain();
      });
    },
    /** Forgets the head (this node pruned the stream): reread before the next write. */
    forgetHead() {
      head = undefined;
    },
  };
}
