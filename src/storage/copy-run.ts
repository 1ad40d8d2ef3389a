// The copy behind `npm run db:copy` (src/storage/copy-cli.ts): every table of COPY_TABLES,
// in that order, page by page from a CopySource into a CopyTarget, then a count check per
// table. Tests call runCopy directly with any two implementations.
//
// Resume rule: a checkpoint (the last cursor of each table, how many rows were copied, and
// the target's count when the table's copy began) is saved after every page that the target
// accepted. A run that finds a checkpoint written for the same source and target continues
// each table after its saved cursor and skips tables already finished; the checkpoint is
// removed once every table is copied, so the next run starts over. Whatever a crash
// interrupts, at most the page in flight is written again: upserts by identity make that
// harmless (and make a whole second run harmless too).
//
// Verification rule (after every table is copied, on the counts of both sides): when the
// target table was empty before its copy began, its count must equal the source's; when it
// already held rows, source ≤ target ≤ rows before + source (every source row is there, and
// nothing but source rows was added). Any other count is a mismatch that names the table.
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { COPY_TABLES, type CopySource, type CopyTable, type CopyTarget } from "./copy.ts";

export const DEFAULT_BATCH = 1000;

export interface TableProgress {
  /** Cursor of the last page the target accepted (null: nothing yet). */
  after: string | null;
  /** Rows upserted so far (across resumed runs). */
  copied: number;
  /** The target's count when this table's copy began (decides the verification rule). */
  target_before: number;
  done: boolean;
}

export interface CopyCheckpoint {
  version: 1;
  /** Which copy it belongs to (credentials stripped): a checkpoint for other endpoints is ignored. */
  source: string;
  target: string;
  batch: number;
  tables: Partial<Record<CopyTable, TableProgress>>;
}

/** Where the checkpoint lives between runs. */
export interface CheckpointStore {
  load(): CopyCheckpoint | null;
  save(state: CopyCheckpoint): void;
  clear(): void;
  /** For messages: where it is kept. */
  describe(): string;
}

/** A small JSON file, replaced atomically (write to a temporary name, then rename). */
export function fileCheckpoint(path: string): CheckpointStore {
  return {
    load() {
      let text: string;
      try {
        text = readFileSync(path, "utf8");
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
        throw err;
      }
      const parsed = JSON.parse(text) as CopyCheckpoint;
      if (parsed?.version !== 1 || typeof parsed.tables !== "object" || parsed.tables === null) {
        throw new Error(`${path}: not a db:copy checkpoint (delete it to start over)`);
      }
      return parsed;
    },
    save(state) {
      mkdirSync(dirname(path), { recursive: true });
      const tmp = `${path}.tmp`;
      writeFileSync(tmp, JSON.stringify(state, null, 2) + "\n");
      renameSync(tmp, path);
    },
    clear() {
      rmSync(path, { force: true });
    },
    describe: () => path,
  };
}

/** Keeps the checkpoint in memory (tests; a copy that needs no resume across processes). */
export function memoryCheckpoint(): CheckpointStore & { current: CopyCheckpoint | null } {
  const store = {
    current: null as CopyCheckpoint | null,
    load: () => (store.current ? structuredClone(store.current) : null),
    save: (s: CopyCheckpoint) => void (store.current = structuredClone(s)),
    clear: () => void (store.current = null),
    describe: () => "memory",
  };
  return store;
}

export interface CopyOptions {
  /** Rows per page (default 1000). */
  batch?: number;
  /** One line per call: progress, results, mismatches. */
  log?: (line: string) => void;
  /** Without one, nothing is resumed: every run copies everything again (harmless, just slower). */
  checkpoint?: CheckpointStore;
  /** Names of the two ends, kept in the checkpoint so that it resumes only the same copy. */
  endpoints?: { source: string; target: string };
  /** Stops between pages (the checkpoint keeps what was done); runCopy then rejects with CopyInterrupted. */
  signal?: AbortSignal;
  /** Progress lines at most this often per table (ms, default 1000); the table's last line always. */
  progressEveryMs?: number;
}

export interface TableResult {
  table: CopyTable;
  /** Rows upserted by this run. */
  copied: number;
  /** Rows upserted including earlier interrupted runs this one resumed. */
  copiedTotal: number;
  seconds: number;
  rowsPerSecond: number;
  sourceCount: number;
  targetCount: number;
  targetBefore: number;
  ok: boolean;
  /** Why it is not ok. */
  problem?: string;
}

export interface CopyResult {
  ok: boolean;
  tables: TableResult[];
  /** Tables whose counts do not satisfy the verification rule. */
  mismatches: CopyTable[];
  seconds: number;
}

export class CopyInterrupted extends Error {
  readonly table: CopyTable;
  constructor(table: CopyTable) {
    super(`copy interrupted during ${table}; run it again to resume`);
    this.table = table;
    this.name = "CopyInterrupted";
  }
}

/** The target needs `count` too, for the verification. Storage.copy has both. */
export type CopyDestination = CopyTarget & Pick<CopySource, "count">;

export async function runCopy(source: CopySource, target: CopyDestination, opts: CopyOptions = {}): Promise<CopyResult> {
  const batch = opts.batch ?? DEFAULT_BATCH;
  if (!Number.isInteger(batch) || batch < 1) throw new RangeError(`batch: must be a positive integer, got ${batch}`);
  const log = opts.log ?? (() => {});
  const every = opts.progressEveryMs ?? 1000;
  const endpoints = opts.endpoints ?? { source: "source", target: "target" };
  const started = performance.now();

  let state: CopyCheckpoint = { version: 1, source: endpoints.source, target: endpoints.target, batch, tables: {} };
  const saved = opts.checkpoint?.load() ?? null;
  if (saved && saved.source === endpoints.source && saved.target === endpoints.target) {
    state = { ...saved, batch };
    const finished = COPY_TABLES.filter((t) => saved.tables[t]?.done);
    log(`resuming from ${opts.checkpoint!.describe()}: ${finished.length} of ${COPY_TABLES.length} tables already copied`);
  } else if (saved) {
    log(`ignoring ${opts.checkpoint!.describe()}: it belongs to a copy from ${saved.source} to ${saved.target}`);
  }
  const save = () => opts.checkpoint?.save(state);

  const partial = new Map<CopyTable, { copied: number; seconds: number }>();
  for (const table of COPY_TABLES) {
    let progress = state.tables[table];
    if (progress?.done) {
      log(`${table}: already copied (${progress.copied} rows), skipped`);
      partial.set(table, { copied: 0, seconds: 0 });
      continue;
    }
    if (!progress) {
      progress = { after: null, copied: 0, target_before: await target.count(table), done: false };
      state.tables[table] = progress;
      save();
    }
    const total = await source.count(table);
    const t0 = performance.now();
    let copiedNow = 0;
    let lastLog = t0;
    const line = () => {
      const secs = (performance.now() - t0) / 1000;
      const rate = secs > 0 ? Math.round(copiedNow / secs) : 0;
      return `${table}: ${progress.copied}/${total} rows, ${rate} rows/s`;
    };
    if (progress.after !== null) log(`${table}: resuming after ${progress.after} (${progress.copied} rows copied before)`);
    for (;;) {
      if (opts.signal?.aborted) {
        log(`${line()} (interrupted)`);
        throw new CopyInterrupted(table);
      }
      const page = await source.page(table, progress.after, batch);
      if (page.rows.length > 0) {
        try {
          await target.upsert(table, page.rows);
        } catch (err) {
          throw new Error(`${table}: upsert of ${page.rows.length} rows after ${JSON.stringify(progress.after)} failed: ${(err as Error).message}`, { cause: err });
        }
        copiedNow += page.rows.length;
        progress.copied += page.rows.length;
      }
      if (page.next === null) break;
      if (page.next === progress.after) throw new Error(`${table}: the source's cursor did not advance past ${JSON.stringify(page.next)}`);
      progress.after = page.next;
      save();
      const now = performance.now();
      if (now - lastLog >= every) {
        lastLog = now;
        log(line());
      }
    }
    progress.done = true;
    save();
    log(`${line()} (done)`);
    partial.set(table, { copied: copiedNow, seconds: (performance.now() - t0) / 1000 });
  }
  // Every table is in: a later run starts over instead of skipping them.
  opts.checkpoint?.clear();

  log("verifying counts");
  const results: TableResult[] = [];
  for (const table of COPY_TABLES) {
    const [sourceCount, targetCount] = await Promise.all([source.count(table), target.count(table)]);
    const p = state.tables[table]!;
    const done = partial.get(table)!;
    const r: TableResult = {
      table,
      copied: done.copied,
      copiedTotal: p.copied,
      seconds: done.seconds,
      rowsPerSecond: done.seconds > 0 ? Math.round(done.copied / done.seconds) : 0,
      sourceCount,
      targetCount,
      targetBefore: p.target_before,
      ok: true,
    };
    if (p.target_before === 0 && targetCount !== sourceCount) {
      r.ok = false;
      r.problem = `source has ${sourceCount} rows, target ${targetCount} (the target was empty: they must be equal)`;
    } else if (targetCount < sourceCount || targetCount > p.target_before + sourceCount) {
      r.ok = false;
      r.problem = `source has ${sourceCount} rows, target ${targetCount} (the target had ${p.target_before} before: expected between ${sourceCount} and ${p.target_before + sourceCount})`;
    }
    log(r.ok ? `${table}: ok, source ${sourceCount}, target ${targetCount}` : `${table}: MISMATCH: ${r.problem}`);
    results.push(r);
  }
  const mismatches = results.filter((r) => !r.ok).map((r) => r.table);
  return { ok: mismatches.length === 0, tables: results, mismatches, seconds: (performance.now() - started) / 1000 };
}
