// Serves /api/events/sync from one shared read of the newest events instead of one set of
// queries per request. After a node dies, every client it held syncs within seconds (10 000
// in bench/storm.ts), and on the embedded database each of those queries scans the
// collection. Here, requests that arrive while a read is in flight wait for the next read,
// and that read starts after they arrived, so each answer reflects the log at a moment
// after its request, exactly as a direct query would; the database sees one read per round
// trip, not one per client (src/shared/read-batcher.ts).
//
// The tail holds every event with a position above `floor` as of its last read, in order.
// Reads are incremental: positions up to `final` cannot change any more (no hole below it
// that may still fill), so the next read asks only for what lies above `final`. A request
// older than the floor, or one that would need more than `maxEvents`, is not served here
// (the caller falls back to its direct query).
import type { Model } from "mongoose";
import { createCoalescer } from "../shared/read-batcher.ts";
import type { EventDoc, StreamDoc } from "./event.model.ts";

export interface TailView {
  /** The stream document as read with the rows (epoch and pruned_through). */
  stream: StreamDoc;
  /** Events with floor < _id, ascending, as of `readAt`. */
  rows: readonly EventDoc[];
  floor: number;
  /** When the read was issued: the age of a hole is judged against this, not "now". */
  readAt: number;
}

/**
 * The hole rule of the event stream, for rows ascending by position, from rows[from] on:
 * the highest position after `since` below which no hole may still fill. A hole is final
 * once the row after it is older than `graceMs` at `at` (its writer died); a younger one
 * stops the walk (`waiting`).
 */
export function settledThrough(rows: readonly Pick<EventDoc, "_id" | "created_at">[], since: number, at: number, graceMs: number, from = 0): { through: number; waiting: boolean } {
  let through = since;
  for (let i = from; i < rows.length; i++) {
    const row = rows[i]!;
    if (row._id !== through + 1 && at - row.created_at.getTime() < graceMs) return { through, waiting: true };
    through = row._id;
  }
  return { through, waiting: false };
}

/** Index of the first row with _id > since (rows ascending). */
export function firstAfter(rows: readonly EventDoc[], since: number): number {
  let lo = 0;
  let hi = rows.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (rows[mid]!._id <= since) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function createEventTail(d: { Event: Model<EventDoc>; Stream: Model<StreamDoc>; streamId: string; graceMs: number; maxEvents: number }) {
  let rows: EventDoc[] = [];
  let floor = -1; // -1: nothing read yet
  let final = -1;
  let epoch: string | undefined;

  async function read(minSince: number): Promise<TailView | null> {
    const readAt = Date.now();
    // Reach further back only while the tail has room; a request older than a full tail's
    // floor is served by the direct path without costing the tail a read.
    const rebuild = floor < 0 || (minSince < floor && rows.length < d.maxEvents);
    const [stream, fresh] = await Promise.all([
      d.Stream.findById(d.streamId).lean(),
      rebuild
        ? // The newest maxEvents after minSince: every event above the lowest of them is among them.
          d.Event.find({ _id: { $gt: minSince } }).sort({ _id: -1 }).limit(d.maxEvents).lean().then((r) => r.reverse())
        : d.Event.find({ _id: { $gt: final } }).sort({ _id: 1 }).limit(d.maxEvents + 1).lean(),
    ]);
    if (!stream) return null; // no stream yet: the direct path creates it
    if (epoch !== undefined && stream.epoch !== epoch) {
      // The stream was reset: what the tail holds belongs to the old one.
      epoch = undefined;
      floor = final = -1;
      rows = [];
      return read(minSince);
    }
    epoch = stream.epoch;
    if (!rebuild && fresh.length > d.maxEvents) {
      // More written since the last read than the tail holds: start over next time.
      rows = [];
      floor = final = -1;
      return null;
    }
    if (rebuild) {
      rows = fresh;
      floor = fresh.length === d.maxEvents ? fresh[0]!._id - 1 : minSince;
    } else rows = [...rows.filter((r) => r._id <= final), ...fresh];
    final = settledThrough(rows, floor, readAt, d.graceMs).through;
    // Keep the tail bounded: forget the oldest final rows (the floor moves up past them).
    if (rows.length > d.maxEvents) {
      const drop = rows.length - d.maxEvents;
      const newFloor = rows[drop - 1]!._id;
      if (newFloor <= final) {
        rows = rows.slice(drop);
        floor = newFloor;
      }
    }
    return { stream, rows, floor, readAt };
  }

  return {
    /**
     * The tail as of a read issued after this call, or null when it cannot serve `since`
     * (the caller then queries directly).
     */
    view: createCoalescer<number, TailView | null>(async (sinces) => {
      const view = await read(Math.min(...sinces));
      return sinces.map((since) => (view && since >= view.floor ? view : null));
    }),
  };
}

export type EventTail = ReturnType<typeof createEventTail>;
