// Group commit for inserts: concurrent inserts (sends to different conversations) that find
// `parallel` insertMany in flight wait and then go together in the next, unordered, so each
// document succeeds or fails on its own, and each caller gets its own outcome: resolved, or
// rejected with its own write error (a duplicate key among them). On FerretDB v1 a
// document in a batch costs the database a third of what a lone insert costs, and idle,
// an insert goes at once.
import type { mongo } from "mongoose";

const BATCH = 500;

interface RawWriteError {
  code?: number;
  index: number;
  errmsg?: string;
  err?: { keyPattern?: Record<string, unknown>; keyValue?: unknown };
}

/** The per-document errors of a bulk write that failed only on some of its documents. */
function writeErrorsOf(err: unknown): RawWriteError[] | null {
  const e = err as { writeErrors?: RawWriteError | RawWriteError[]; writeConcernError?: unknown; err?: unknown };
  if (e === null || typeof e !== "object" || e.writeErrors === undefined || e.writeConcernError) return null;
  const list = Array.isArray(e.writeErrors) ? e.writeErrors : [e.writeErrors];
  return list.length && list.every((w) => typeof w.index === "number") ? list : null;
}

export function createInsertBatcher<T extends mongo.Document>(collection: mongo.Collection<T>, opts: { max?: number; parallel?: number } = {}) {
  const max = opts.max ?? BATCH;
  const parallel = opts.parallel ?? 1;
  interface Item {
    doc: mongo.OptionalUnlessRequiredId<T>;
    resolve: () => void;
    reject: (err: unknown) => void;
  }
  const queue: Item[] = [];
  let running = 0;

  async function write(batch: Item[]) {
    try {
      await collection.insertMany(
        batch.map((b) => b.doc),
        { ordered: false, ignoreUndefined: true },
      );
      for (const b of batch) b.resolve();
    } catch (err) {
      const failed = writeErrorsOf(err);
      // Anything else (the connection, a write concern): every outcome is unknown.
      if (!failed) {
        for (const b of batch) b.reject(err);
        return;
      }
      const byIndex = new Map(failed.map((w) => [w.index, w]));
      batch.forEach((b, i) => {
        const w = byIndex.get(i);
        if (!w) return b.resolve();
        b.reject(Object.assign(new Error(w.errmsg ?? "write error"), { code: w.code, keyPattern: w.err?.keyPattern, keyValue: w.err?.keyValue }));
      });
    }
  }

  async function run() {
    running++;
    try {
      while (queue.length) await write(queue.splice(0, max));
    } finally {
      running--;
    }
  }

  return {
    insert(doc: mongo.OptionalUnlessRequiredId<T>): Promise<void> {
      return new Promise((resolve, reject) => {
        queue.push({ doc, resolve, reject });
        if (running < parallel) void run();
      });
    },
  };
}
