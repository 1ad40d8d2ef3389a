// Starting what a benchmark measures: our app or the baseline as child processes, and the
// database and Redis they use (the same helpers the tests use, on free loopback ports).
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startDatabase } from "../../test/support/database.ts";
import { spawnChild, stopAll, type ChildHandle } from "./ipc.ts";
import { deadline, onInterrupt } from "./report.ts";
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
  /** Database calls since the last call, by operation and app line (only with dbOps). */
  dbOps(): Promise<{ op: string; calls: number; total_ms: number; mean_ms: number; max_ms: number }[]>;
  close(): Promise<void>;
}

export interface ServerOptions {
  dbUri?: string;
  redisUrl?: string;
  /** Extra environment for our app (config.ts variables). */
  env?: Record<string, string>;
  name?: string;
  /** BENCH_DB_OPS=1: our app times every database call by the line that made it (see db-ops.ts). */
  dbOps?: boolean;
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
  const child = spawnChild(name, target === "ours" ? APP : BASELINE, { execArgv: serverFlags(), logFd, ...(opts.dbOps ? { env: { BENCH_DB_OPS: "1" } } : {}) });
  closeSync(logFd); // the child holds its own copy
  await child.once("ready", 60_000);
  if (process.env.BENCH_CPU_PROF) console.log(`  (profiling ${name}: pid ${child.proc.pid}, profile in ${process.env.BENCH_CPU_PROF})`);
  const info = await child.call<{ url: string; adapter: string; fd_limit: number; pid: number }>(
    "start",
    target === "ours" ? { dbUri: opts.dbUri, redisUrl: opts.redisUrl, env: opts.env } : { redisUrl: opts.redisUrl },
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
    dbOps: () => (target === "ours" ? child.call("dbops") : Promise.resolve([])),
    async close() {
      await child.call("close", undefined, 30_000).catch(() => {});
      await child.stop();
    },
  };
}

/** The pid of the embedded FerretDB listening on this port, to account for its CPU time too. */
export function findDbPid(port: number): number | undefined {
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

/**
 * A fresh embedded database for one benchmark run. `finish()` stops every child process,
 * then `also`, then the database; the same happens on the run's deadline or on Ctrl-C.
 */
export async function benchDatabase(budgetMs: number, also: () => Promise<void> = async () => {}) {
  const db = await startDatabase();
  const cleanup = async () => {
    await stopAll();
    await also(); // whatever else the benchmark started (nginx, Redis, node processes)
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
