// Growth: does the server stay fast as its database fills? The embedded SQLite database
// (or FerretDB, `--db ferretdb`) is filled through the storage repositories in-process to
// 10k, 100k and 1M messages (1k users, 10k conversations: couple chats, groups, DMs; one
// event per message plus some user-addressed ones; bench/lib/growth-world.ts); at each
// size the real server starts on that database and each operation is timed a few hundred
// times, one at a time (bench/lib/growth-ops.ts): send (socket, acked), latest 50,
// history before a time and after a seq, by id, by timestamp, the couple chat, DM thread
// and group lists, the unread counts, sync from a cursor 500 events back, login.
// Targets (goals, not assertions): every p99 ≤ 20 ms at 1M and ≤ 2× its value at 10k.
// FerretDB fills far more slowly: its filling stops after --fill-budget-s (default 600 s)
// and the last size is the one it reached.
//   npm run bench:growth [-- --smoke] [--db sqlite|ferretdb] [--sizes 10000,100000,1000000]
//     [--samples 300] [--fill-budget-s 600] [--quiet-load 1.5] [--quiet-wait-s 300] [--repo-calls]
//     [--report-from bench/results/growth.json]
import { readFileSync, statSync } from "node:fs";
import { basename } from "node:path";
import { bcryptHasher } from "../src/auth/password-hasher.ts";
import { parseConfig } from "../src/config.ts";
import { openStorage } from "../src/storage/open.ts";
import { OPS, PASSWORD, measureOp, openCallers, type OpResult } from "./lib/growth-ops.ts";
import { buildWorld, fillTo, markProbeReads, type World } from "./lib/growth-world.ts";
import { runBenchmark } from "./lib/ipc.ts";
import { printRepoCalls, type RepoCallRow } from "./lib/repo-calls.ts";
import { exitIfBroken, flags, load1, machine, ratio, resultName, resultsDir, sleep, waitForQuiet, writeResults, type Cell, type Machine, type Table } from "./lib/report.ts";
import { benchDatabase, benchEnv, dbEnv, startServer, type BenchDb, type DbKind } from "./lib/servers.ts";

const f = flags();
const smoke = f.smoke;
const dbKind = f.str("db", "sqlite") as DbKind;
// FerretDB also measures at 1k: its fill is unlikely to get far (see docs/PERFORMANCE.md).
const sizes = f.list("sizes", smoke ? ["1000"] : dbKind === "ferretdb" ? ["1000", "10000", "100000", "1000000"] : ["10000", "100000", "1000000"]).map(Number);
// FerretDB answers in hundreds of milliseconds (every query scans): fewer samples keep its run within the hour.
const SAMPLES = f.num("samples", smoke ? 10 : dbKind === "ferretdb" ? 40 : 300);
const WARMUP = smoke ? 2 : 20;
const FILL_BUDGET_MS = dbKind === "ferretdb" ? f.num("fill-budget-s", smoke ? 30 : 600) * 1000 : Infinity;
const shape = { users: smoke ? 100 : 1000, conversations: smoke ? 300 : 10_000, probes: smoke ? 4 : 20, maxMessages: Math.max(...sizes) };
const repoCalls = process.argv.includes("--repo-calls");
// Before each measurement, wait (bounded) for the shared machine to calm down.
const QUIET_LOAD = f.num("quiet-load", 1.5);
const QUIET_WAIT_MS = f.num("quiet-wait-s", smoke ? 0 : 300) * 1000;
const P99_GOAL_MS = 20;
const RATIO_GOAL = 2;

interface Step {
  /** Messages in the database when measured (the size asked for, or what the fill budget reached). */
  messages: number;
  asked: number;
  events: number;
  /** Building the users and conversations (first step only; not part of the fill budget). */
  setup_s?: number;
  fill_s: number;
  db_mb: number | null;
  /** 1-minute load average when the measurement started and ended. */
  load: [number, number];
  ops: OpResult[];
  repo_calls?: Partial<Record<string, RepoCallRow[]>>;
}

const label = (n: number) => (n >= 1e6 ? `${n / 1e6}M` : n >= 1e3 ? `${n / 1e3}k` : String(n));
const dbMb = (db: BenchDb) => {
  if (!db.sqliteFile) return null;
  const size = (file: string) => statSync(file, { throwIfNoEntry: false })?.size ?? 0;
  return Math.round((size(db.sqliteFile) + size(`${db.sqliteFile}-wal`)) / 2 ** 20);
};

/**
 * The tree is edited by others while a long run lasts: a server that fails to start (a
 * file caught half-saved) is tried again for a few minutes rather than losing the fill.
 */
async function startWithRetries(db: BenchDb, name: string) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startServer("ours", { db, env: benchEnv({ LOGIN_MAX_PER_PHONE: "1000000", LOGIN_MAX_PER_IP: "1000000" }), name, repoCalls });
    } catch (err) {
      if (attempt >= 10) throw err;
      console.error(`  server did not start (${err instanceof Error ? err.message : String(err)}); trying again in 20 s`);
      await sleep(20_000);
    }
  }
}

/** Fills to `size` (in-process, the storage closed again before the server opens it), then measures every operation. */
async function step(db: BenchDb, world: World | undefined, size: number, budget: { leftMs: number }): Promise<{ world: World; step: Step }> {
  // The filler's own storage may wait long for a slow database (FerretDB on a busy
  // machine): it loads data, it does not answer users. The server keeps the default.
  const storage = await openStorage(parseConfig({ NODE_ENV: "test", DB_OPERATION_TIMEOUT_MS: "120000", ...dbEnv(db) }));
  const seconds = (since: number) => Math.round((performance.now() - since) / 100) / 10;
  let w = world;
  let setupS: number | undefined;
  let fillS: number;
  try {
    if (!w) {
      const t = performance.now();
      w = await buildWorld(storage, { ...shape, passwordHash: await bcryptHasher(4).hash(PASSWORD) });
      setupS = seconds(t);
      console.log(`${dbKind}: ${shape.users} users and ${shape.conversations} conversations in ${setupS} s`);
    }
    // The fill budget counts the time spent adding messages, not the setup or the measurements.
    const t = performance.now();
    await fillTo(storage, w, size, Date.now() + budget.leftMs);
    budget.leftMs -= performance.now() - t;
    await markProbeReads(storage, w);
    fillS = seconds(t);
  } finally {
    await storage.close();
  }
  console.log(`${dbKind}: ${w.messages} messages, ${w.eventHead} events (filled in ${fillS} s)`);
  const loadStart = await waitForQuiet(QUIET_LOAD, QUIET_WAIT_MS);
  console.log(`  measuring at load average ${loadStart}`);

  const server = await startWithRetries(db, `growth-${dbKind}-${label(size)}`);
  const ops: OpResult[] = [];
  const calls: Partial<Record<string, RepoCallRow[]>> = {};
  try {
    const { callers, close } = await openCallers(server.url, w);
    try {
      for (const op of OPS) {
        await server.repoCalls();
        const r = await measureOp(server.url, w, callers, op, { samples: SAMPLES, warmup: WARMUP });
        ops.push(r);
        console.log(`  ${label(w.messages)} ${op}: p50 ${r.latency.p50_ms} ms, p99 ${r.latency.p99_ms} ms${r.errors ? `, ${r.errors} errors ${JSON.stringify(r.error_kinds)}` : ""}`);
        if (repoCalls) {
          calls[op] = (await server.repoCalls()).slice(0, 5);
          printRepoCalls(op, calls[op]);
        }
      }
    } finally {
      close();
    }
  } finally {
    await server.close();
  }
  return { world: w, step: { messages: w.messages, asked: size, events: w.eventHead, ...(setupS === undefined ? {} : { setup_s: setupS }), fill_s: fillS, db_mb: dbMb(db), load: [loadStart, load1()], ops, ...(repoCalls ? { repo_calls: calls } : {}) } };
}

async function main() {
  const host = machine(); // taken first: its load average describes the machine before the run
  const { db, finish } = await benchDatabase((smoke ? 60 : 7200) * 1000, { kind: dbKind });
  const steps: Step[] = [];
  try {
    const budget = { leftMs: FILL_BUDGET_MS };
    let world: World | undefined;
    for (const size of sizes) {
      const r = await step(db, world, size, budget);
      world = r.world;
      steps.push(r.step);
      if (r.step.messages < size) break; // the fill budget ran out: this is as far as it gets
      // The next size holds more messages than this stage added: if what is left of the
      // budget would not even repeat this stage, measuring a few more messages says nothing new.
      if (budget.leftMs < r.step.fill_s * 1000) break;
    }
  } finally {
    await finish();
  }
  report({ machine: host, db: dbKind, shape, samples: SAMPLES, fill_budget_s: Number.isFinite(FILL_BUDGET_MS) ? FILL_BUDGET_MS / 1000 : null, steps });
  const broken = steps.flatMap((s) => s.ops.filter((o) => o.errors > 0 || o.latency.count === 0).map((o) => `${label(s.messages)} ${o.op}: ${o.latency.count} measured, errors ${JSON.stringify(o.error_kinds)}`));
  exitIfBroken(broken);
}

/** What a run records (the JSON result), enough to render its tables again. */
interface Recorded {
  machine: Machine;
  db: DbKind;
  shape: typeof shape;
  samples: number;
  fill_budget_s?: number | null;
  steps: Step[];
}

function report(r: Recorded, name = resultName("growth")) {
  const { steps } = r;
  const first = steps[0]!;
  const last = steps.at(-1)!;
  const result = (s: Step, op: string) => s.ops.find((o) => o.op === op)!;
  /** p99, or null when every request failed (there is no latency to compare). */
  const p99 = (s: Step, op: string) => (result(s, op).latency.count ? result(s, op).latency.p99_ms : null);
  const cell = (o: OpResult) => (o.latency.count ? `${o.latency.p50_ms} / ${o.latency.p99_ms}${o.errors ? ` (${o.errors} failed)` : ""}` : `all ${o.errors} failed`);
  const latency: Table = {
    title: `Latency p50 / p99 (ms) by database size on ${r.db}, ${r.samples} requests each, one at a time (goals: p99 ≤ ${P99_GOAL_MS} ms at the largest size and ≤ ${RATIO_GOAL}× its value at the smallest)`,
    columns: ["operation", ...steps.map((s) => `${label(s.messages)} messages`), `p99 ${label(last.messages)} / ${label(first.messages)}`, `p99 ≤ ${P99_GOAL_MS} ms`, `ratio ≤ ${RATIO_GOAL}`],
    rows: OPS.map((op): Cell[] => {
      const [a, b] = [p99(first, op), p99(last, op)];
      const q = a !== null && b !== null ? ratio(b, a) : null;
      return [op, ...steps.map((s) => cell(result(s, op))), q, b === null ? null : b <= P99_GOAL_MS, q === null ? null : q <= RATIO_GOAL];
    }),
  };
  const fill: Table = {
    title: "The database at each size",
    columns: ["messages asked", "messages reached", "events", "setup s (users, conversations)", "fill time s (this stage)", "database file MB", "load average while measured", "failed requests"],
    rows: steps.map((s) => [s.asked, s.messages, s.events, s.setup_s, s.fill_s, s.db_mb, `${s.load[0]} → ${s.load[1]}`, s.ops.reduce((n, o) => n + o.errors, 0)]),
  };
  const notes = [
    `${r.shape.users} users (all in couples), ${r.shape.conversations} conversations (${r.shape.users / 2} couple chats, 15 % groups of 3-40 members, the rest DMs); 25 % of messages go to 1 % of the conversations (the "hot" ones, which include each measured user's couple chat, a DM and a group)`,
    `filled through the storage repositories in-process (same records as the server writes), then measured on the real server (startTestServer in its own process); ${r.shape.probes} measured users, ${WARMUP} unmeasured requests first per operation`,
    "conversation requests: half on the caller's hot conversations, half on any of theirs; history pages of 50 around a random stored message; sync from 500 positions behind the head, limit 100; the measured users have read up to 0-20 messages short of each conversation's end",
    "login uses bcrypt cost 4 (the tests' setting), so it measures the lookup and the session writes, not the hash",
    "a failed request is an error answer (e.g. 503 database_unavailable: the server's storage call passed DB_OPERATION_TIMEOUT_MS, 5 s) or a socket the server dropped while setting it up; it has no latency",
  ];
  if (r.fill_budget_s) {
    const spent = Math.round(steps.reduce((n, s) => n + s.fill_s, 0));
    const why = last.messages < last.asked ? `the budget ran out on the way to ${label(last.asked)}` : `the ${Math.round(r.fill_budget_s - spent)} s left would not have filled even that stage again, so no larger size was tried`;
    notes.push(`${r.db} filled messages for ${spent} s of its ${r.fill_budget_s} s budget (setup not counted) and reached ${last.messages}; ${why}`);
  }
  writeResults(resultsDir(smoke), name, { ...r }, [latency, fill], notes);
}

// --report-from bench/results/growth.json: re-renders a recorded run's tables (no load).
async function rerender(file: string) {
  const saved = JSON.parse(readFileSync(file, "utf8")) as Recorded;
  saved.fill_budget_s ??= saved.db === "ferretdb" ? 600 : null; // runs before it was recorded used the default
  report(saved, basename(file, ".json"));
}

const from = f.str("report-from", "");
runBenchmark(() => (from ? rerender(from) : main()));
