// Diagnostic mode for our app's child process (BENCH_DB_OPS=1): times every database
// call the driver makes and charges it to the app line that issued it. A CPU profile of
// the server shows it mostly idle while it waits for the database; this shows on what.
import mongoose from "mongoose";

interface OpStat {
  calls: number;
  ms: number;
  max_ms: number;
}

const METHODS = ["insertOne", "insertMany", "findOne", "findOneAndUpdate", "updateOne", "updateMany", "deleteOne", "deleteMany", "countDocuments"] as const;

/** The first stack frame in the app's own code (src/ or handlers/), as file:line. */
function appFrame(): string {
  const stack = new Error().stack ?? "";
  const m = /\/((?:src|handlers)\/[^:)]+:\d+)/.exec(stack);
  return m ? m[1]! : "(outside the app)";
}

/** A filter's shape without its values: {"_id":?,"seq":{"$lt":?}}. */
function shape(filter: unknown): string {
  if (filter === null || typeof filter !== "object" || Array.isArray(filter)) return "?";
  if (filter instanceof mongoose.mongo.ObjectId || filter instanceof Date) return "?";
  return `{${Object.entries(filter)
    .map(([k, v]) => `${k}:${k.startsWith("$") || (v && typeof v === "object" && !Array.isArray(v) && !(v instanceof mongoose.mongo.ObjectId) && !(v instanceof Date)) ? shape(v) : "?"}`)
    .join(",")}}`;
}

export function installDbOpsProbe() {
  const stats = new Map<string, OpStat>();
  const record = (key: string, ms: number) => {
    const s = stats.get(key) ?? { calls: 0, ms: 0, max_ms: 0 };
    s.calls++;
    s.ms += ms;
    s.max_ms = Math.max(s.max_ms, ms);
    stats.set(key, s);
  };
  const proto = mongoose.mongo.Collection.prototype as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
  for (const name of METHODS) {
    const original = proto[name]!;
    proto[name] = async function (this: { collectionName: string }, ...args: unknown[]) {
      const key = `${name} ${this.collectionName} ${name.startsWith("insert") ? "" : shape(args[0])} @ ${appFrame()}`;
      const t = performance.now();
      try {
        return await original.apply(this, args);
      } finally {
        record(key, performance.now() - t);
      }
    };
  }
  const cursor = mongoose.mongo.FindCursor.prototype as unknown as { toArray: (...args: unknown[]) => Promise<unknown> };
  const toArray = cursor.toArray;
  cursor.toArray = async function (this: { namespace: { collection?: string }; cursorFilter?: unknown }, ...args: unknown[]) {
    const key = `find ${this.namespace.collection} ${shape(this.cursorFilter)} @ ${appFrame()}`;
    const t = performance.now();
    try {
      return await toArray.apply(this, args);
    } finally {
      record(key, performance.now() - t);
    }
  };
  return {
    /** The calls since the last report, slowest total first. */
    take() {
      const rows = [...stats].map(([op, s]) => ({ op, calls: s.calls, total_ms: Math.round(s.ms), mean_ms: Math.round((s.ms / s.calls) * 100) / 100, max_ms: Math.round(s.max_ms) }));
      stats.clear();
      return rows.sort((a, b) => b.total_ms - a.total_ms);
    },
  };
}
