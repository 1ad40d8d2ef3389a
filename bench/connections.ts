// (a) Idle connections: how many WebSocket connections one server process holds, and what
// each costs in heap and RSS, for our app (real auth: a few registered users' access
// tokens reused across many connections) against the bare Socket.IO baseline.
// Ramps in waves from load-generator processes, each on its own 127.0.0.x source
// address; measures memory after a forced GC at 10k, 50k and 100k connections (or as far
// as it gets within the time budget and the server's file-descriptor limit).
//   npm run bench:connections [-- --smoke] [--goal 100000] [--wave 2000] [--ramp-budget-s 240]
import { fileURLToPath } from "node:url";
import { spawnChild, runBenchmark, type ChildHandle } from "./lib/ipc.ts";
import { exitIfBroken, flags, machine, ratio, resultName, resultsDir, sleep, writeResults, type Table } from "./lib/report.ts";
import type { ProbeWindow } from "./lib/server-probe.ts";
import { fdLimit } from "./lib/server-probe.ts";
import { benchDatabase, benchEnv, startServer, type ServerHandle, type Target } from "./lib/servers.ts";
import { registerUsers } from "./lib/setup.ts";

const f = flags();
const smoke = f.smoke;
const goal = f.num("goal", smoke ? 400 : 100_000);
const checkpoints = f.list("checkpoints", smoke ? ["200", "400"] : ["10000", "50000", "100000"]).map(Number).filter((n) => n <= goal);
const wave = f.num("wave", smoke ? 100 : 2000);
const rampBudgetMs = f.num("ramp-budget-s", smoke ? 20 : 240) * 1000;
const holdMs = smoke ? 1000 : 10_000;
const ns = f.str("ns", "groups");
const PER_WORKER = Math.min(5000, fdLimit() - 200);
const WORKER = fileURLToPath(new URL("./lib/conn-worker.ts", import.meta.url));

interface Checkpoint {
  connections: number;
  heap_used: number;
  rss: number;
  heap_per_conn: number;
  heap_total_per_conn: number;
  rss_per_conn: number;
}

interface TargetResult {
  target: Target;
  reached: number;
  cap: number;
  stop_reason: string;
  ramp_s: number;
  connects_per_s: number;
  errors: Record<string, number>;
  checkpoints: Checkpoint[];
  ramp: ProbeWindow;
  idle: ProbeWindow;
}

async function runTarget(target: Target, server: ServerHandle, tokens: string[] | undefined): Promise<TargetResult> {
  // Leave room for the server's own descriptors (database pool, Redis, listening socket).
  const cap = Math.min(goal, server.fdLimit - 300);
  const marks = [...new Set([...checkpoints.filter((c) => c <= cap), cap])].sort((a, b) => a - b);
  const workers: ChildHandle[] = [];
  const errors: Record<string, number> = {};
  const points: Checkpoint[] = [];
  const base = await server.memory();
  let total = 0;
  let stopReason = `reached the goal of ${goal}`;
  if (cap < goal) stopReason = `server file-descriptor limit (${server.fdLimit})`;

  await server.probeStart();
  const t0 = performance.now();
  while (total < cap) {
    if (performance.now() - t0 > rampBudgetMs) {
      stopReason = `ramp time budget (${rampBudgetMs / 1000} s)`;
      break;
    }
    const size = Math.min(wave, cap - total, ...marks.filter((m) => m > total).map((m) => m - total));
    // Spread the wave over workers; add workers as the held connections fill them.
    while (workers.length * PER_WORKER < total + size) {
      const w = spawnChild(`conn-worker-${workers.length}`, WORKER);
      await w.once("ready", 30_000);
      workers.push(w);
    }
    const shares = workers.map((_, i) => Math.max(0, Math.min(PER_WORKER * (i + 1), total + size) - Math.max(PER_WORKER * i, total)));
    let offset = total;
    const results = await Promise.all(
      workers.map((w, i) => {
        const count = shares[i]!;
        const first = offset;
        offset += count;
        if (count === 0) return { opened: 0, failed: 0, errors: {} };
        return w.call("open", { url: server.url, ns, count, tokens, localAddress: `127.0.0.${10 + i}`, concurrency: 64, timeoutMs: 20_000, first }, 180_000);
      }),
    );
    let failed = 0;
    for (const r of results) {
      total += r.opened;
      failed += r.failed;
      for (const [k, v] of Object.entries(r.errors as Record<string, number>)) errors[k] = (errors[k] ?? 0) + v;
    }
    if (failed > size * 0.05) {
      stopReason = `connect failures (${failed} of ${size} in the last wave)`;
      break;
    }
    if (marks.includes(total) || total >= cap) {
      await sleep(smoke ? 200 : 2000); // let handshake garbage and pending DB work settle
      const m = await server.memory();
      points.push({
        connections: total,
        heap_used: m.heap_used,
        rss: m.rss,
        heap_per_conn: Math.round((m.heap_used - base.heap_used) / total),
        heap_total_per_conn: Math.round((m.heap_total - base.heap_total) / total),
        rss_per_conn: Math.round((m.rss - base.rss) / total),
      });
      console.log(`  ${target}: ${total} connections, heap ${(m.heap_used / 2 ** 20).toFixed(0)} MiB, rss ${(m.rss / 2 ** 20).toFixed(0)} MiB`);
    }
  }
  const rampS = (performance.now() - t0) / 1000;
  const ramp = await server.probeStop();

  // Holding idle: what the server spends on connections that do nothing (pings, timers).
  await server.probeStart();
  await sleep(holdMs);
  const idle = await server.probeStop();
  const held = (await Promise.all(workers.map((w) => w.call("status")))).reduce((s, x) => s + x.held, 0);
  if (held < total) errors.dropped_while_idle = total - held;

  await Promise.all(workers.map((w) => w.call("closeAll").catch(() => {})));
  await Promise.all(workers.map((w) => w.stop()));
  return { target, reached: total, cap, stop_reason: stopReason, ramp_s: Math.round(rampS * 10) / 10, connects_per_s: Math.round(total / rampS), errors, checkpoints: points, ramp, idle };
}

async function main() {
  const host = machine(); // taken first: its load average describes the machine before the run
  const { db, finish } = await benchDatabase((smoke ? 60 : 900) * 1000);
  const results: TargetResult[] = [];
  try {
    for (const target of ["baseline", "ours"] as const) {
      const server = await startServer(target, { db, env: benchEnv() });
      const tokens = target === "ours" ? (await registerUsers(server.url, smoke ? 3 : 20, "conn")).map((u) => u.token) : undefined;
      console.log(`${target}: server ${server.url} (${server.adapter} adapter, fd limit ${server.fdLimit}); ramping to ${Math.min(goal, server.fdLimit - 300)}`);
      try {
        results.push(await runTarget(target, server, tokens));
      } finally {
        await server.close();
      }
    }
  } finally {
    await finish();
  }

  const [base, ours] = [results[0]!, results[1]!];
  const rows = ours.checkpoints.map((c) => {
    const b = base.checkpoints.find((x) => x.connections === c.connections);
    const heap = b ? ratio(c.heap_per_conn, b.heap_per_conn) : null;
    const rss = b ? ratio(c.rss_per_conn, b.rss_per_conn) : null;
    return [c.connections, c.heap_per_conn, b?.heap_per_conn, heap, heap === null ? null : heap <= 1.2, c.rss_per_conn, b?.rss_per_conn, rss, rss === null ? null : rss <= 1.2, `${c.heap_total_per_conn} / ${b?.heap_total_per_conn ?? "–"}`];
  });
  const tables: Table[] = [
    {
      title: "Memory per idle connection (bytes, after GC; target ≤ 1.2× baseline)",
      columns: ["connections", "ours heap/conn", "baseline heap/conn", "heap ratio", "heap ≤ 1.2×", "ours RSS/conn", "baseline RSS/conn", "RSS ratio", "RSS ≤ 1.2×", "committed heap/conn ours / baseline"],
      rows,
    },
    {
      title: "Ramp and idle hold",
      columns: ["server", "reached", "stopped by", "connects/s", "ramp CPU (cores)", "ramp loop lag p99 ms", "idle CPU (cores)", "idle loop lag p99 ms", "errors"],
      rows: results.map((r) => [r.target, r.reached, r.stop_reason, r.connects_per_s, r.ramp.cpu_cores, r.ramp.loop_lag_p99_ms, r.idle.cpu_cores, r.idle.loop_lag_p99_ms, JSON.stringify(r.errors)]),
    },
  ];
  const notes = [`namespace /${ns}, WebSocket transport, ${PER_WORKER} connections per load-generator process, source addresses 127.0.0.10+`];
  if (ours.cap < goal) notes.push(`the server process may open only ${ours.cap + 300} files (RLIMIT_NOFILE hard limit on this machine), so ${goal} connections cannot be reached here`);
  writeResults(resultsDir(smoke), resultName("connections"), { machine: host, goal, results }, tables, notes);

  const broken: string[] = [];
  for (const r of results) {
    if (r.reached === 0 || r.checkpoints.length === 0) broken.push(`${r.target}: no connections held`);
    if (smoke && r.reached < goal) broken.push(`${r.target}: reached ${r.reached} of ${goal} (${r.stop_reason})`);
    if (r.errors.dropped_while_idle) broken.push(`${r.target}: ${r.errors.dropped_while_idle} connections dropped while idle`);
  }
  exitIfBroken(broken);
}

runBenchmark(main);
