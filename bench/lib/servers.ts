// Starting what a benchmark measures: our app or the baseline as child processes, and the
// database they use: the embedded default (a SQLite file in a DATA_DIR of the run's own,
// inside the server process) or FerretDB for cluster mode (the tests' launcher, on a free
// loopback port).
import { closeSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DEFAULT_SQLITE_FILE } from "../../src/storage/open.ts";
import { startDatabase } from "../../test/support/database.ts";
import { spawnChild, stopAll, type ChildHandle } from "./ipc.ts";
import { deadline, onInterrupt } from "./report.ts";
import type { RepoCallRow } from "./repo-calls.ts";
import type { MemorySample, ProbeWindow } from "./server-probe.ts";

export type Target = "ours" | "baseline";

const APP = fileURLToPath(new URL("./app-server.ts", import.meta.url));
const BASELINE = fileURLToPath(new URL("../baseline-server.ts", import.meta.url));

export interface ServerHandle {
  target: Target;
  url: string;
  adapter: string;
  fdLimit: number;
  pid: number;
  child: ChildHandle;
  probeStart(): Promise<void>;
  probeStop(): Promise<ProbeWindow>;
  memory(): Promise<MemorySample>;
  clients(): Promise<number>;
  /** Repository calls since the last call, by method and app line (only with repoCalls). */
  repoCalls(): Promise<RepoCallRow[]>;
  close(): Promise<void>;
}

export type DbKind = "sqlite" | "ferretdb";

/** Where our app keeps its data for one run; the baseline has no database. */
export interface BenchDb {
  kind: DbKind;
  /** FerretDB: the MongoDB URI (cluster mode). */
  uri?: string;
  /** SQLite: the DATA_DIR every server of the run shares (one at a time: the file is locked), and the file in it. */
  dataDir?: string;
  sqliteFile?: string;
  /** The database's own process, whose CPU is counted apart (FerretDB); SQLite runs inside the server. */
  pid?: number;
  stop(): Promise<void>;
}

export interface ServerOptions {
  db?: BenchDb;
  redisUrl?: string;
  /** Extra environment for our app (config.ts variables). */
  env?: Record<string, string>;
  name?: string;
  /** BENCH_REPO_CALLS=1: our app counts and times every repository call by the line that made it (repo-calls.ts). */
  repoCalls?: boolean;
}

/** The environment that points our app at the run's database. */
export function dbEnv(db: BenchDb | undefined): Record<string, string> {
  if (!db) return {};
  return db.kind === "ferretdb" ? { MONGODB_URI: db.uri! } : { DATA_DIR: db.dataDir!, SQLITE_FILE: db.sqliteFile! };
}

/**
 * Node flags for server children. BENCH_CPU_PROF=<dir> profiles them (node --cpu-prof);
 * --expose-gc lets the memory probe collect garbage before it measures.
 */
function serverFlags(): string[] {
  const dir = process.env.BENCH_CPU_PROF;
  return ["--expose-gc", ...(dir ? ["--cpu-prof", `--cpu-prof-dir=${dir}`] : [])];
}

/** Server output (our app's logs) goes here rather than into the benchmark's report. */
export const LOG_DIR = join(tmpdir(), "chat-bench-logs");

export async function startServer(target: Target, opts: ServerOptions = {}): Promise<ServerHandle> {
  const name = opts.name ?? target;
  mkdirSync(LOG_DIR, { recursive: true });
  const logFd = openSync(join(LOG_DIR, `${name}.log`), "w");
  const child = spawnChild(name, target === "ours" ? APP : BASELINE, { execArgv: serverFlags(), logFd, ...(opts.repoCalls ? { env: { BENCH_REPO_CALLS: "1" } } : {}) });
  closeSync(logFd); // the child holds its own copy
  await child.once("ready", 60_000);
  if (process.env.BENCH_CPU_PROF) console.log(`  (profiling ${name}: pid ${child.proc.pid}, profile in ${process.env.BENCH_CPU_PROF})`);
  const info = await child.call<{ url: string; adapter: string; fd_limit: number; pid: number }>(
    "start",
    target === "ours" ? { redisUrl: opts.redisUrl, env: { ...dbEnv(opts.db), ...opts.env } } : { redisUrl: opts.redisUrl },
    120_000,
  );
  return {
    target,
    url: info.url,
    adapter: info.adapter,
    fdLimit: info.fd_limit,
    pid: info.pid,
    child,
    probeStart: () => child.call("probe.start"),
    probeStop: () => child.call("probe.stop"),
    memory: () => child.call("memory"),
    clients: () => child.call("clients"),
    repoCalls: () => (target === "ours" ? child.call("repoCalls") : Promise.resolve([])),
    async close() {
      await child.call("close", undefined, 30_000).catch(() => {});
      await child.stop();
    },
  };
}

/** The pid of the embedded FerretDB listening on this port, to account for its CPU time too. */
function findDbPid(port: number): number | undefined {
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
      if (cmd.some((a) => a.endsWith("ferretdb-embedded") || a.endsWith("mongod")) && cmd.some((a) => a.endsWith(`:${port}`) || a === String(port))) return Number(entry);
    } catch {
      // The process went away while we were looking.
    }
  }
  return undefined;
}

/** Settings every run of our app uses, so the numbers describe the product, not a test double. */
export function benchEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    LOG_LEVEL: "warn",
    // Load generators send far faster than one human; the flood guard would reject them.
    SOCKET_EVENTS_PER_SEC: "100000",
    SOCKET_EVENT_BURST: "100000",
    SEED_STICKERS: "false",
    ...extra,
  };
}

/** A fresh database of this kind for one run: an empty DATA_DIR for SQLite, or a FerretDB process. */
export async function openBenchDb(kind: DbKind): Promise<BenchDb> {
  if (kind === "ferretdb") {
    const db = await startDatabase();
    return { kind, uri: db.uri, pid: findDbPid(db.port), stop: () => db.stop() };
  }
  const dataDir = mkdtempSync(join(tmpdir(), "chat-bench-data-"));
  return { kind, dataDir, sqliteFile: join(dataDir, DEFAULT_SQLITE_FILE), stop: async () => rmSync(dataDir, { recursive: true, force: true }) };
}

/**
 * A fresh database for one benchmark run. `finish()` stops every child process, then
 * `also`, then the database; the same happens on the run's deadline or on Ctrl-C.
 */
export async function benchDatabase(budgetMs: number, o: { kind?: DbKind; also?: () => Promise<void> } = {}) {
  const db = await openBenchDb(o.kind ?? "sqlite");
  const cleanup = async () => {
    await stopAll();
    await o.also?.(); // whatever else the benchmark started (nginx, Redis, node processes)
    await db.stop();
  };
  const timer = deadline(budgetMs, cleanup);
  onInterrupt(cleanup);
  return {
    db,
    async finish() {
      await cleanup();
      clearTimeout(timer);
    },
  };
}
