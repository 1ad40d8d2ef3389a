// The newest entries of the adapter's Redis stream, read once and shared by every session
// restored on this node. When a node stops, each of its clients recovers on the others
// within seconds, all from nearly the same offset; reading and decoding the stream once
// per session (XRANGE offset..end) made 10 000 recoveries cost 10 000 × the tail of the
// stream in Redis and here (bench/storm.ts). Requests that arrive while a read is in flight
// wait for the next one, which starts after they arrived: each recovery still sees the
// stream up to a moment after its request, as a direct read would.
// It reads the adapter's stream by name as the adapter writes it (one stream, `streamName`
// unsuffixed: streamCount 1), a library internal: see the pin in streams-recovery.ts.
import { createCoalescer } from "../shared/read-batcher.ts";
import type { Redis } from "./redis.ts";

export interface TailEntry {
  id: string;
  nsp: string;
  /** A broadcast's packet arguments and targets; undefined for other entry types. */
  packet?: unknown[];
  rooms: string[];
  except: string[];
}

/** Stream ids "<ms>-<seq>" in order. */
export function compareIds(a: string, b: string): number {
  const [am, as] = a.split("-").map(Number) as [number, number];
  const [bm, bs] = b.split("-").map(Number) as [number, number];
  return am - bm || as - bs;
}

export type EntryDecoder = (fields: string[]) => Omit<TailEntry, "id">;

/**
 * `entriesAfter(offset)` resolves with the entries after `offset`, or null when the tail
 * cannot prove `offset` is in the stream (trimmed, or older than the tail): the caller
 * then refuses the recovery and the client syncs.
 */
export function createStreamTail(o: { redis: Redis; streamName: string; decode: EntryDecoder; maxEntries?: number; page?: number }) {
  const max = o.maxEntries ?? 20_000;
  const page = o.page ?? 1000;
  // Every entry of the stream from entries[0] on, as of the last read (entries[0] included).
  let entries: TailEntry[] = [];

  async function readFrom(start: string, inclusive: boolean): Promise<TailEntry[] | null> {
    const out: TailEntry[] = [];
    let cursor = inclusive ? start : `(${start}`;
    for (;;) {
      const batch = await o.redis.xrange(o.streamName, cursor, "+", "COUNT", page);
      for (const [id, fields] of batch) out.push({ id, ...o.decode(fields) });
      if (batch.length < page) return out;
      if (out.length > max) return null; // more than the tail holds
      cursor = `(${batch[batch.length - 1]![0]}`;
    }
  }

  /** Index of the entry with this id, or -1. */
  function indexOf(id: string): number {
    let lo = 0;
    let hi = entries.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const c = compareIds(entries[mid]!.id, id);
      if (c === 0) return mid;
      if (c < 0) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  async function refresh(oldest: string) {
    const first = entries[0];
    if (!first || compareIds(oldest, first.id) < 0) {
      // Reach back to the oldest offset asked for (inclusive: proves it is still there).
      entries = (await readFrom(oldest, true)) ?? [];
    } else {
      const fresh = await readFrom(entries[entries.length - 1]!.id, false);
      entries = fresh === null ? [] : entries.concat(fresh);
    }
    if (entries.length > max) entries = entries.slice(entries.length - max);
  }

  return {
    entriesAfter: createCoalescer<string, readonly TailEntry[] | null>(async (offsets) => {
      await refresh(offsets.reduce((a, o) => (compareIds(o, a) < 0 ? o : a)));
      const snapshot = entries;
      return offsets.map((offset) => {
        const at = indexOf(offset);
        return at < 0 ? null : snapshot.slice(at + 1);
      });
    }),
  };
}

export type StreamTail = ReturnType<typeof createStreamTail>;
