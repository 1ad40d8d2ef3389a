// (b) Group fan-out: one publisher sends ~150-byte messages to a room of 100, 1k and 10k
// members at a rising rate; the result is the highest delivery rate (deliveries/s) with
// p99 delivery latency ≤ 100 ms, zero seq gaps and nothing lost. Variants: in-memory
// adapter on one node, Redis streams adapter on one node, two nodes on the streams
// adapter (receivers split across them, publisher on the first). Each is compared with
// the bare Socket.IO baseline doing the same room broadcast in the same run. One node runs
// on the embedded default (SQLite); two nodes share a database, so they run in cluster
// mode on FerretDB.
// Where a server cannot meet 100 ms at any rate, both are also searched with a 1 s limit
// ("keeps up"), so the table still compares fan-out capacity.
//   npm run bench:fanout [-- --smoke] [--sizes 100,1000,10000] [--variants memory,streams,streams-2]
//                        [--targets ours,baseline] [--repo-calls] [--connect-budget-s 420]
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { startRedis, type TestRedis } from "../test/support/redis-server.ts";
import { makeFixture, type Fixture } from "./lib/fanout-fixture.ts";
import { runBenchmark, stopAll } from "./lib/ipc.ts";
import { findRate, type SearchResult } from "./lib/rate-search.ts";
import { deadline, exitIfBroken, flags, machine, onInterrupt, ratio, resultName, resultsDir, writeResults, type Machine, type Table } from "./lib/report.ts";
import { printRepoCalls, type RepoCallRow } from "./lib/repo-calls.ts";
import { RoomLoad } from "./lib/room-load.ts";
import { benchEnv, openBenchDb, startServer, type BenchDb, type DbKind, type ServerHandle, type Target } from "./lib/servers.ts";

const f = flags();
const smoke = f.smoke;
// Connecting 10k authenticated sockets to our /groups takes ~4 minutes here (database work
// per handshake), so by default only the in-memory variant runs the 10k room.
const sizesArg = f.list("sizes", []).map(Number);
const sizesFor = (variant: string) => (sizesArg.length ? sizesArg : smoke ? [20] : variant === "memory" ? [100, 1000, 10000] : [100, 1000]);
const variants = f.list("variants", smoke ? ["memory", "streams-2"] : ["memory", "streams", "streams-2"]);
const sizesOf = (vs: string[]) => [...new Set(vs.flatMap(sizesFor))].sort((a, b) => a - b);
const sizes = sizesOf(variants);
const dbKindOf = (variant: string): DbKind => (variant === "streams-2" ? "ferretdb" : "sqlite");
// Ours first: whether it needs the relaxed search decides whether the baseline runs one too.
const targets = (["ours", "baseline"] as Target[]).filter((t) => f.list("targets", ["ours", "baseline"]).includes(t));
const MAX_DISTINCT = smoke ? 20 : 500;
// Connecting to our /groups namespace costs database work per socket; bound it.
const CONNECT_BUDGET_MS = f.num("connect-budget-s", smoke ? 30 : 420) * 1000;
const STEP_MS = smoke ? 800 : 2500;
const P99_LIMIT_MS = 100;
const RELAXED_P99_MS = 1000;
const needsRelaxed = new Set<string>();
// --repo-calls: our app counts and times its storage calls (connect phase and send phase) by app line.
const repoCalls = process.argv.includes("--repo-calls");

async function takeRepoCalls(servers: ServerHandle[], label: string): Promise<RepoCallRow[] | undefined> {
  if (!repoCalls) return undefined;
  const rows = (await servers[0]!.repoCalls()).slice(0, 10);
  printRepoCalls(label, rows);
  return rows;
}

interface Row {
  variant: string;
  size: number;
  target: Target;
  strict: SearchResult;
  /** The same search with p99 ≤ 1 s, when either server found nothing within 100 ms. */
  relaxed?: SearchResult;
  /** Set when this server could not run the case at all (failed to start, receivers could not connect). */
  error?: string;
  /** How long the room's receivers took to connect (and, for ours, authenticate and join). */
  connect_ms?: number;
  repo_calls?: { connect?: RepoCallRow[] | undefined; send?: RepoCallRow[] | undefined };
}

const empty = (): SearchResult => ({ best: null, first_fail: null, steps: [] });
const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

async function startNodes(target: Target, variant: string, db: BenchDb, redis: TestRedis | undefined): Promise<ServerHandle[]> {
  const redisUrl = variant === "memory" ? undefined : redis!.url;
  const servers: ServerHandle[] = [];
  try {
    for (let i = 0; i < (variant === "streams-2" ? 2 : 1); i++) {
      servers.push(await startServer(target, { db, ...(redisUrl ? { redisUrl } : {}), env: benchEnv(), name: `${target}-${variant}-${i}`, repoCalls }));
    }
    return servers;
  } catch (err) {
    await Promise.all(servers.map((s) => s.close()));
    throw err;
  }
}

async function runCase(variant: string, target: Target, size: number, fx: Fixture, servers: ServerHandle[]): Promise<Row> {
  const group = fx.groups.get(size)!;
  const auth = (u: { token: string; username: string }) => (target === "ours" ? { token: u.token } : { uid: u.username, groups: [group.id] });
  let load: RoomLoad;
  try {
    load = await RoomLoad.open({
      urls: servers.map((s) => s.url),
      auths: Array.from({ length: size }, (_, i) => auth(group.members[i % group.members.length]!)),
      publisherAuth: auth(fx.owner),
      chatId: group.id,
      workers: size >= 1000 ? 2 : 1,
      connectBudgetMs: CONNECT_BUDGET_MS,
    });
  } catch (err) {
    const error = `receivers could not connect within ${CONNECT_BUDGET_MS / 1000} s: ${message(err)}`;
    console.error(`${variant} ${target} room of ${size}: ${error}`);
    return { variant, size, target, strict: empty(), error };
  }
  try {
    console.log(`${variant} ${target} room of ${size}: receivers connected in ${load.connectMs} ms`);
    const connectCalls = await takeRepoCalls(servers, "connect");
    const search = (p99LimitMs: number) =>
      findRate({ label: `${variant} ${target} ${size} (p99 ≤ ${p99LimitMs})`, startRate: smoke ? 20 : Math.max(1, Math.round(2000 / size)), stepMs: STEP_MS, maxSteps: smoke ? 2 : 9, p99LimitMs, fanout: size, servers, load });
    const key = `${variant}:${size}`;
    const strict = await search(P99_LIMIT_MS);
    const relaxed = !smoke && (!strict.best || needsRelaxed.has(key)) ? await search(RELAXED_P99_MS) : undefined;
    if (relaxed) needsRelaxed.add(key);
    const sendCalls = await takeRepoCalls(servers, "send");
    return { variant, size, target, strict, ...(relaxed ? { relaxed } : {}), connect_ms: load.connectMs, ...(repoCalls ? { repo_calls: { connect: connectCalls, send: sendCalls } } : {}) };
  } finally {
    await load.close();
  }
}

async function main() {
  const host = machine(); // taken first: its load average describes the machine before the run
  const redis = variants.some((v) => v !== "memory") ? await startRedis() : undefined;
  let db: BenchDb | undefined;
  const cleanup = async () => {
    await stopAll();
    await Promise.all([db?.stop(), redis?.stop()]);
  };
  const timer = deadline((smoke ? 60 : 1800) * 1000, cleanup);
  onInterrupt(cleanup);
  const rows: Row[] = [];
  try {
    for (const kind of ["sqlite", "ferretdb"] as const) {
      const mine = variants.filter((v) => dbKindOf(v) === kind);
      if (!mine.length) continue;
      db = await openBenchDb(kind);
      const fx = await makeFixture({ db, sizes: sizesOf(mine), maxDistinct: MAX_DISTINCT, synthetic: !targets.includes("ours") });
      for (const variant of mine) rows.push(...(await runVariant(variant, db, redis, fx)));
      await db.stop();
      db = undefined;
    }
  } finally {
    await cleanup();
    clearTimeout(timer);
  }
  report(host, rows);
}

async function runVariant(variant: string, db: BenchDb, redis: TestRedis | undefined, fx: Fixture): Promise<Row[]> {
  const rows: Row[] = [];
  for (const target of targets) {
    let servers: ServerHandle[];
    try {
      servers = await startNodes(target, variant, db, redis);
    } catch (err) {
      console.error(`${variant} ${target}: server failed to start: ${message(err)}`);
      rows.push(...sizesFor(variant).map((size) => ({ variant, size, target, strict: empty(), error: `server failed to start: ${message(err)}` })));
      continue;
    }
    try {
      for (const size of sizesFor(variant)) rows.push(await runCase(variant, target, size, fx, servers));
    } finally {
      await Promise.all(servers.map((s) => s.close()));
    }
  }
  return rows;
}

type Step = SearchResult["steps"][number];

/**
 * The best step under a p99 limit, over every step either search ran for that case (a
 * step of the 1 s search may well meet 100 ms; noise makes the search path itself
 * unreliable, the steps are not).
 */
function bestUnder(row: Row | undefined, limitMs: number): Step | null {
  const steps = [...(row?.strict.steps ?? []), ...(row?.relaxed?.steps ?? [])];
  const ok = steps.filter((s) => (s.why === null || s.why.startsWith("p99")) && s.latency.p99_ms <= limitMs);
  return ok.reduce<Step | null>((b, s) => (!b || s.delivery_rate > b.delivery_rate ? s : b), null);
}

function report(host: Machine, rows: Row[], name = resultName("fanout")) {
  const lat = (s: Step | null) => (s ? `${s.latency.p50_ms}/${s.latency.p99_ms}/${s.latency.max_ms}` : "–");
  const pairs = rows.filter((r) => r.target === targets[0]).map((o) => ({ o, b: rows.find((x) => x.target === "baseline" && x.variant === o.variant && x.size === o.size) }));
  const firstFail = (r: Row, limitMs: number) => r.error ?? [...r.strict.steps, ...(r.relaxed?.steps ?? [])].filter((s) => s.why && !(s.why.startsWith("p99") && s.latency.p99_ms <= limitMs)).sort((a, b) => a.rate - b.rate)[0]?.why ?? "step limit";
  const strict: Table = {
    title: `Highest delivery rate with p99 ≤ ${P99_LIMIT_MS} ms, nothing lost, no seq gaps (target ≥ 0.8× baseline)`,
    columns: ["variant", "room", "ours deliveries/s", "baseline deliveries/s", "ratio", "≥ 0.8×", "ours msgs/s", "ours p50/p99/max ms", "baseline p50/p99/max ms", "ours loop lag p99 ms", "ours reordered", "ours limited by"],
    rows: pairs.map(({ o, b }) => {
      const os = bestUnder(o, P99_LIMIT_MS);
      const bs = bestUnder(b, P99_LIMIT_MS);
      const q = ratio(os?.delivery_rate ?? 0, bs?.delivery_rate ?? 0);
      const reordered = [...o.strict.steps, ...(o.relaxed?.steps ?? [])].reduce((n, x) => n + x.reordered, 0);
      return [o.variant, o.size, os?.delivery_rate ?? 0, bs?.delivery_rate ?? 0, q, q !== null && q >= 0.8, os?.rate ?? 0, lat(os), lat(bs), os?.loop_lag_p99_ms, reordered, firstFail(o, P99_LIMIT_MS)];
    }),
  };
  const relaxedPairs = pairs.filter(({ o, b }) => o.relaxed || b?.relaxed);
  const relaxed: Table = {
    title: `Keeps up: highest delivery rate with p99 ≤ ${RELAXED_P99_MS} ms, nothing lost, no seq gaps (where a server met no rate within ${P99_LIMIT_MS} ms)`,
    columns: ["variant", "room", "ours deliveries/s", "baseline deliveries/s", "ratio", "ours p50/p99/max ms", "baseline p50/p99/max ms", "ours limited by"],
    rows: relaxedPairs.map(({ o, b }) => {
      const os = bestUnder(o, RELAXED_P99_MS);
      const bs = bestUnder(b, RELAXED_P99_MS);
      return [o.variant, o.size, os?.delivery_rate ?? 0, bs?.delivery_rate ?? 0, ratio(os?.delivery_rate ?? 0, bs?.delivery_rate ?? 0), lat(os), lat(bs), firstFail(o, RELAXED_P99_MS)];
    }),
  };
  const cpu: Table = {
    title: "Server CPU per delivery at the best rate that kept up (all nodes, µs), and how fast the room's receivers connected",
    columns: ["variant", "room", "ours", "baseline", "ratio", "ours CPU cores", "baseline CPU cores", "ours connects/s", "baseline connects/s"],
    rows: pairs.map(({ o, b }) => {
      const os = bestUnder(o, RELAXED_P99_MS);
      const bs = bestUnder(b, RELAXED_P99_MS);
      const perS = (r?: Row) => (r?.connect_ms ? Math.round((r.size / r.connect_ms) * 1000) : null);
      return [o.variant, o.size, os?.cpu_us_per_delivery, bs?.cpu_us_per_delivery, os && bs ? ratio(os.cpu_us_per_delivery, bs.cpu_us_per_delivery) : null, os?.cpu_cores, bs?.cpu_cores, perS(o), perS(b)];
    }),
  };
  const notes = [
    `~150-byte text per message; the rate doubles from ~2k deliveries/s until a step fails, then bisects; each step runs ${STEP_MS / 1000} s, a step failing on latency alone is retried once (shared machine)`,
    "one node (memory, streams) runs on the embedded SQLite database; two nodes (streams-2) share FerretDB (cluster mode), with a fixture of their own",
    `rooms larger than ${MAX_DISTINCT} members reuse the same ${MAX_DISTINCT} real members on several sockets each (registering users is the slow part of the setup)`,
    "latency runs from the publisher's send to each receiver, so for our server it includes the whole send path (validation, database writes, event log) before the broadcast",
    "receivers are receive-only Socket.IO clients (bench/lib/lite-socket.ts) in 1-2 processes; the publisher is a socket.io-client in its own process",
    "reordered: a message that arrived after one with a higher seq (not lost; counted, not failed)",
  ];
  const censored = rows.filter((r) => r.strict.steps.length && r.strict.steps.every((x) => x.pass)).map((r) => `${r.variant} ${r.target} ${r.size}`);
  if (censored.length) notes.push(`every step passed, so the capacity is higher than shown, for: ${censored.join(", ")}`);
  const tables = relaxedPairs.length ? [strict, relaxed, cpu] : [strict, cpu];
  writeResults(resultsDir(smoke), name, { machine: host, sizes, variants, rows }, tables, notes);

  // Broken = the machinery failed: nothing delivered, losses, gaps, duplicates or errors.
  // Latency is not judged here, since a CI machine may be slow.
  const broken = rows
    .filter((r) => r.error || [...r.strict.steps, ...(r.relaxed?.steps ?? [])].some((s) => s.received === 0 || s.missing > 0 || s.gaps > 0 || s.duplicates > 0 || s.errors > 0))
    .map((r) => `${r.variant} ${r.target} ${r.size}: ${r.error ?? JSON.stringify([...r.strict.steps, ...(r.relaxed?.steps ?? [])].map((s) => s.why))}`);
  if (smoke) exitIfBroken(broken);
  // In a full run, overload makes the last steps fail by design; list them for the record.
  if (broken.length) console.log(`\nsteps with losses, gaps, duplicates or errors:\n  ${broken.join("\n  ")}`);
}

// --report-from bench/results/fanout.json: re-renders a recorded run's tables (no load).
async function rerender(file: string) {
  const saved = JSON.parse(readFileSync(file, "utf8")) as { machine: Machine; rows: Row[] };
  report(saved.machine, saved.rows, basename(file, ".json"));
}

const from = f.str("report-from", "");
runBenchmark(() => (from ? rerender(from) : main()));
