// Coalesces reads by key: calls that arrive while a read is in flight wait for the next
// read, which starts after they arrived (so no answer is older than its request) and
// covers every key waiting. Under a burst (thousands of clients syncing after a node
// died) the database sees one query per round trip instead of one per caller.
export function createReadBatcher<K, V>(readMany: (keys: K[]) => Promise<Map<K, V>>) {
  let waiting = new Map<K, { resolve(v: V | undefined): void; reject(err: unknown): void }[]>();
  let reading = false;

  async function drain() {
    reading = true;
    try {
      while (waiting.size) {
        const batch = waiting;
        waiting = new Map();
        try {
          const found = await readMany([...batch.keys()]);
          for (const [key, callers] of batch) for (const c of callers) c.resolve(found.get(key));
        } catch (err) {
          for (const callers of batch.values()) for (const c of callers) c.reject(err);
        }
      }
    } finally {
      reading = false;
    }
  }

  return {
    get(key: K): Promise<V | undefined> {
      return new Promise((resolve, reject) => {
        const callers = waiting.get(key) ?? [];
        callers.push({ resolve, reject });
        waiting.set(key, callers);
        if (!reading) void drain();
      });
    },
  };
}
