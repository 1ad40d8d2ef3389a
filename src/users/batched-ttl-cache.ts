// A small read-through cache for per-id facts the handshake needs (does this user exist,
// is this session live). Two things make a reconnect storm cheap:
// - a hit costs no database call, for `ttlMs` after the value was read;
// - misses are coalesced: ids that miss while loads are in flight wait and go out together
//   in one `$in` query. On FerretDB every query scans its collection, so 10 000 handshakes
//   after a restart cost a few dozen scans instead of 10 000.
// `set`/`forget` let the writer on this node make a change visible at once; other nodes
// see it when their entry expires, so `ttlMs` is the staleness bound across nodes.

export interface BatchedTtlCacheOptions<V> {
  ttlMs: number;
  /** Oldest entries are dropped beyond this, so memory stays bounded. */
  maxEntries: number;
  /** Ids per query. */
  maxBatch: number;
  /** Queries in flight at once; further misses queue for the next batch. */
  maxConcurrent: number;
  /** Returns the value of each id found; ids not in the map are cached as absent (null). */
  load(ids: string[]): Promise<Map<string, V>>;
  now?: () => number;
}

interface Entry<V> {
  value: V | null;
  expires: number;
}

interface Waiter<V> {
  resolve(v: V | null): void;
  reject(err: unknown): void;
}

/** The callers waiting for one id's read. */
interface Pending<V> {
  waiters: Waiter<V>[];
}

export function createBatchedTtlCache<V>(o: BatchedTtlCacheOptions<V>) {
  const now = o.now ?? Date.now;
  const entries = new Map<string, Entry<V>>();
  // Ids waiting for the next batch, and ids whose read is in flight. A read whose id was
  // set or forgotten meanwhile is detached from `loading`: its callers still get what it
  // read (they asked before the change), but it is not cached.
  const queued = new Map<string, Pending<V>>();
  const loading = new Map<string, Pending<V>>();
  let running = 0;
  let scheduled = false;

  function store(id: string, value: V | null) {
    entries.delete(id); // re-insert at the end: Map order is then oldest-first
    entries.set(id, { value, expires: now() + o.ttlMs });
    if (entries.size > o.maxEntries) entries.delete(entries.keys().next().value!);
  }

  function schedule() {
    if (scheduled || running >= o.maxConcurrent || queued.size === 0) return;
    scheduled = true;
    // Let the misses of this turn of the event loop join the batch.
    setImmediate(flush);
  }

  function flush() {
    scheduled = false;
    while (running < o.maxConcurrent && queued.size > 0) {
      const batch = new Map<string, Pending<V>>();
      for (const [id, pending] of queued) {
        queued.delete(id);
        loading.set(id, pending);
        batch.set(id, pending);
        if (batch.size >= o.maxBatch) break;
      }
      running++;
      void run(batch);
    }
  }

  async function run(batch: Map<string, Pending<V>>) {
    let found: Map<string, V> | undefined;
    let failure: unknown;
    try {
      found = await o.load([...batch.keys()]);
    } catch (err) {
      failure = err;
    }
    running--;
    for (const [id, pending] of batch) {
      const current = loading.get(id) === pending;
      if (current) loading.delete(id);
      if (!found) {
        for (const w of pending.waiters) w.reject(failure);
        continue;
      }
      const value = found.get(id) ?? null;
      if (current) store(id, value);
      for (const w of pending.waiters) w.resolve(value);
    }
    schedule();
  }

  return {
    /** The cached value (null: known absent), or a promise of it when it has to be read. */
    get(id: string): V | null | Promise<V | null> {
      const hit = entries.get(id);
      if (hit) {
        if (hit.expires > now()) return hit.value;
        entries.delete(id);
      }
      return new Promise<V | null>((resolve, reject) => {
        const waiter = { resolve, reject };
        const pending = loading.get(id) ?? queued.get(id);
        if (pending) return void pending.waiters.push(waiter);
        queued.set(id, { waiters: [waiter] });
        schedule();
      });
    },
    /** Records a value this node just wrote; a read already in flight will not replace it. */
    set(id: string, value: V | null) {
      loading.delete(id);
      store(id, value);
    },
    /** Drops what is known about these ids; the next get reads them again. */
    forget(ids: Iterable<string>) {
      for (const id of ids) {
        loading.delete(id);
        entries.delete(id);
      }
    },
    get size() {
      return entries.size;
    },
  };
}

export type BatchedTtlCache<V> = ReturnType<typeof createBatchedTtlCache<V>>;
