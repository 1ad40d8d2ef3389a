// Coalesces reads: calls that arrive while a read is in flight wait for the next read,
// which starts after they arrived (so no answer is older than its request) and serves all
// of them at once. Under a burst (thousands of clients reconnecting or syncing after a
// node died) the database or Redis sees one read per round trip instead of one per caller.

/** `readAll` answers a whole batch of requests, one result per request, in order. */
export function createCoalescer<Req, Res>(readAll: (requests: Req[]) => Promise<Res[]>): (request: Req) => Promise<Res> {
  let waiting: { request: Req; resolve(r: Res): void; reject(err: unknown): void }[] = [];
  let reading = false;

  async function drain() {
    try {
      while (waiting.length) {
        const batch = waiting;
        waiting = [];
        try {
          const results = await readAll(batch.map((w) => w.request));
          batch.forEach((w, i) => w.resolve(results[i]!));
        } catch (err) {
          for (const w of batch) w.reject(err);
        }
      }
    } finally {
      reading = false;
    }
  }

  return (request) =>
    new Promise((resolve, reject) => {
      waiting.push({ request, resolve, reject });
      if (reading) return;
      reading = true;
      // On a microtask: callers of the same turn (a Promise.all, a burst of handshakes
      // parsed from one chunk) share the first read too.
      queueMicrotask(() => void drain());
    });
}

/** The keyed form: one read of every distinct key waiting. */
export function createReadBatcher<K, V>(readMany: (keys: K[]) => Promise<Map<K, V>>) {
  const get = createCoalescer<K, V | undefined>(async (keys) => {
    const found = await readMany([...new Set(keys)]);
    return keys.map((k) => found.get(k));
  });
  return { get };
}
