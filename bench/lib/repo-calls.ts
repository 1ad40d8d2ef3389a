// Diagnostic mode for our app's child process (--repo-calls): counts and times every call
// the services make into the storage repositories and charges it to the app line that
// made it. A CPU profile says where the server spends its time; this says which storage
// operations a request or a send costs, how often, and which of them are slow, on either
// implementation (SQLite runs inside the server, FerretDB in its own process).
import type { Storage } from "../../src/storage/storage.ts";

export interface RepoCallRow {
  op: string;
  calls: number;
  total_ms: number;
  mean_ms: number;
  max_ms: number;
}

type Method = (...args: unknown[]) => unknown;

/** The first stack frame in the app's own code (src/ or handlers/, outside the storage layer), as file:line. */
function appFrame(): string {
  const stack = new Error().stack ?? "";
  const m = /\/((?:src\/(?!storage\/)|handlers\/)[^:)]+:\d+)/.exec(stack);
  return m ? m[1]! : "(outside the app)";
}

/** Every method name of an object: its own and its prototypes' (a repository may be a class instance). */
function methodNames(obj: object): string[] {
  const names = new Set<string>();
  for (let o: object | null = obj; o && o !== Object.prototype; o = Object.getPrototypeOf(o) as object | null) {
    for (const k of Object.getOwnPropertyNames(o)) if (k !== "constructor" && typeof (obj as Record<string, unknown>)[k] === "function") names.add(k);
  }
  return [...names];
}

/**
 * Wraps the repositories' methods in place. The services hold these same repository
 * objects and look their methods up at each call, so every call goes through the wrapper.
 */
export function instrumentStorage(storage: Storage) {
  const stats = new Map<string, { calls: number; ms: number; max_ms: number }>();
  const record = (key: string, ms: number) => {
    const s = stats.get(key) ?? { calls: 0, ms: 0, max_ms: 0 };
    s.calls++;
    s.ms += ms;
    s.max_ms = Math.max(s.max_ms, ms);
    stats.set(key, s);
  };
  for (const [repoName, repo] of Object.entries(storage)) {
    // `copy` is db:copy's bulk interface, not something a request uses.
    if (repoName === "copy" || repo === null || typeof repo !== "object") continue;
    const target = repo as Record<string, Method>;
    for (const method of methodNames(target)) {
      const original = target[method]!;
      target[method] = async function (this: unknown, ...args: unknown[]) {
        const key = `${repoName}.${method} @ ${appFrame()}`;
        const t = performance.now();
        try {
          return await original.apply(target, args);
        } finally {
          record(key, performance.now() - t);
        }
      };
    }
  }
  return {
    /** The calls since the last report, slowest total first. */
    take(): RepoCallRow[] {
      const rows = [...stats].map(([op, s]) => ({ op, calls: s.calls, total_ms: Math.round(s.ms), mean_ms: Math.round((s.ms / s.calls) * 100) / 100, max_ms: Math.round(s.max_ms) }));
      stats.clear();
      return rows.sort((a, b) => b.total_ms - a.total_ms);
    },
  };
}

/** Prints the slowest rows (the orchestrator's view of --repo-calls). */
export function printRepoCalls(label: string, rows: RepoCallRow[]) {
  for (const r of rows) console.log(`    repo ${label}: ${String(r.total_ms).padStart(6)} ms ${String(r.calls).padStart(6)} calls  mean ${r.mean_ms} ms  ${r.op}`);
}
