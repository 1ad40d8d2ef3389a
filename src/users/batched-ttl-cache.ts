// A small read-through cache for per-id facts the handshake needs (does this user exist,
// is this session live). Two things make a reconnect storm cheap:
// - a hit costs no database call, for `ttlMs` after the value was read;
// - misses are coalesced: ids that miss while loads are in flight wait and go out together
//   in one `$in` query. On FerretDB every query scans its collection, so 10 000 handshakes
//   after a restart cost a few dozen scans instead of 10 000.
// `set`/`forget` let the writer on this node make a change visible at once; other nodes
// see it when their entry expires, so `ttlMs` is the staleness bound across nodes.
//
// lru-cache keeps the entries (TTL, size bound, LRU order) and the reads in flight: its
// fetch() starts one fetchMethod per id and hands every caller of that id the same promise.
// A set/delete meanwhile replaces that read, and lru-cache then does not cache its result;
// with ignoreFetchAbort its callers still get what it read (they asked before the change).
// What lru-cache lacks is batching: fetchMethod only queues the id for the next batch.
import { LRUCache } from "lru-cache";

export interface BatchedTtlCacheOptions<V> {
  ttlMs: number;
  /** Least recently used entries are dropped beyond this, so memory stays bounded. */
  maxEntries: number;
  /** Ids per query. */
  maxBatch: number;
  /** Queries in flight at once; further misses queue for the next batch. */
  maxConcurrent: number;
  /** Returns the value of each id found; ids not in the map are cached as absent (null). */
  load(ids: string[]): Promise<Map<string, V>>;
  /** A clock for tests (ms). */
  now?: () => number;
}

interface Queued<V> {
  id: string;
  resolve(v: V | null): void;
  reject(err: unknown): void;
}

export function createBatchedTtlCache<V>(o: BatchedTtlCacheOptions<V>) {
  const { now } = o;
  // Boxed: lru-cache stores no null/undefined, and a known absence is worth caching too.
  const entries = new LRUCache<string, { value: V | null }>({
    max: o.maxEntries,
    ttl: o.ttlMs,
    ignoreFetchAbort: true,
    fetchMethod: (id) => read(id).then((value) => ({ value })),
    // lru-cache reads a start time of 0 as "no TTL" (so a fake clock must not start there)
    // and reuses a clock reading for `ttlResolution` ms of real time (not with a fake one).
    ...(now && { perf: { now: () => now() + 1 }, ttlResolution: 0 }),
  });

  const queued: Queued<V>[] = [];
  let running = 0;
  let scheduled = false;

  function read(id: string) {
    return new Promise<V | null>((resolve, reject) => {
      queued.push({ id, resolve, reject });
      schedule();
    });
  }

  function schedule() {
    if (scheduled || running >= o.maxConcurrent || queued.length === 0) return;
    scheduled = true;
    // Let the misses of this turn of the event loop join the batch.
    setImmediate(() => {
      scheduled = false;
      while (running < o.maxConcurrent && queued.length > 0) void run(queued.splice(0, o.maxBatch));
    });
  }

  async function run(batch: Queued<V>[]) {
    running++;
    try {
      // An id forgotten while queued and asked again is queued twice: read it once.
      const found = await o.load([...new Set(batch.map((q) => q.id))]);
      for (const q of batch) q.resolve(found.get(q.id) ?? null);
    } catch (err) {
      for (const q of batch) q.reject(err);
    } finally {
      running--;
      schedule();
    }
  }

  return {
    /** The cached value (null: known absent), or a promise of it when it has to be read. */
    get(id: string): V | null | Promise<V | null> {
      const hit = entries.get(id);
      if (hit) return hit.value;
      return entries.fetch(id).then((e) => e?.value ?? null);
    },
    /** Records a value this node just wrote; a read already in flight will not replace it. */
    set(id: string, value: V | null) {
      entries.set(id, { value });
    },
    /** Drops what is known about these ids; the next get reads them again. */
    forget(ids: Iterable<string>) {
      for (const id of ids) entries.delete(id);
    },
    get size() {
      return entries.size;
    },
  };
}

export type BatchedTtlCache<V> = ReturnType<typeof createBatchedTtlCache<V>>;
