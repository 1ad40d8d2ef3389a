// Push notifications under load: what pushes cost the sender, and how long a push takes.
// One sender online (a socket on /dm and one on /groups) sends open loop at a fixed rate
// (default 200 msg/s) round-robin into D DMs and one group of G members; every recipient is
// OFFLINE with one Web Push subscription (registered through POST /api/push/subscriptions)
// at a local HTTPS push service that verifies VAPID and decrypts each push
// (test/support/push-service.ts, in a process of its own), so every message makes pushes.
// For each push queue (in process; Redis streams with REDIS_URL), servers in a row, each on
// a fresh SQLite DATA_DIR (and a fresh Redis):
//   off:        PUSH_SENDER=off, the baseline: nothing is queued;
//   on:         PUSH_SENDER=auto: every message is a fan-out job, then one Web Push per recipient;
//   on-cafile:  the same, the push service's certificate trusted through PUSH_CA_FILE.
// "on" trusts the certificate through NODE_EXTRA_CA_CERTS in the server's environment: Node's
// default CA store, so the server's https.Agent has no `ca` option, as in production against
// push services with public certificates. With PUSH_CA_FILE the agent carries `ca` = every
// root certificate plus the file (~180 KB of PEM), and Node's Agent builds its pool key from
// the options on every request: on-cafile measures what that costs.
// Reported: the send's ack latency p50/p95/p99/max on and off and their ratio; the push
// latency from the client's send to the push service holding the decrypted push (matched by
// the stamp the preview carries); pushes arrived against expected (all must arrive); the
// queue depth (`chat_push_queue_depth`) sampled during the run and at the end.
//   npm run bench:push [-- --smoke] [--rate 200] [--seconds 20] [--dms 8] [--group 8]
//                      [--runs memory-off,memory-on,memory-on-cafile,redis-off,redis-on] [--rounds 2]
//                      [--quiet-load 2.5] [--quiet-wait-s 120]
// The machine is shared: each server waits (at most --quiet-wait-s) for the 1-minute load
// average to fall below --quiet-load, and the whole list runs --rounds times, interleaved;
// the verdict compares medians over the rounds, on against off of the same round.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startRedis, type TestRedis } from "../test/support/redis-server.ts";
import { Histogram, type HistogramData } from "./lib/histogram.ts";
import { runBenchmark, spawnChild, stopAll, type ChildHandle } from "./lib/ipc.ts";
import { buildPushWorld, machineWindow, metricSum, pushMetrics, redisPid, sampleQueueDepth } from "./lib/push-fixture.ts";
import { brokenPushRuns, reportPushRuns, type Latency, type Pushes, type Queue, type Run, type Trust, type Variant } from "./lib/push-report.ts";
import type { PushSendResult } from "./lib/push-sender.ts";
import type { PushReport } from "./lib/push-service-child.ts";
import { deadline, exitIfBroken, flags, load1, machine, onInterrupt, resultName, resultsDir, sleep, waitForQuiet, writeResults } from "./lib/report.ts";
import { benchEnv, openBenchDb, startServer, type BenchDb, type ServerHandle } from "./lib/servers.ts";

const f = flags();
const smoke = f.smoke;
const RATE = f.num("rate", smoke ? 50 : 200);
const phaseMs = f.num("seconds", smoke ? 2 : 20) * 1000;
const warmMs = smoke ? 500 : 2000;
const DMS = f.num("dms", smoke ? 2 : 8);
const GROUP = f.num("group", smoke ? 2 : 8);
const VARIANTS = ["memory-off", "memory-on", "memory-on-cafile", "redis-off", "redis-on"] as const satisfies readonly Variant[];
const variants = f.list("runs", [...VARIANTS]) as Variant[];
const ROUNDS = f.num("rounds", smoke ? 1 : 2);
const QUIET_LOAD = f.num("quiet-load", 2.5);
const QUIET_WAIT_MS = f.num("quiet-wait-s", smoke ? 0 : 120) * 1000;
for (const v of variants) if (!VARIANTS.includes(v)) throw new Error(`--runs: unknown ${v}; one of ${VARIANTS.join(", ")}`);
const TEXT_BYTES = 60; // the stamp plus padding: well inside the 120-character preview
// After the last send: how long pushes may go without a new arrival, and at most in all, before the rest count as missing.
const stallMs = smoke ? 10_000 : 30_000;
const drainCapMs = smoke ? 20_000 : 180_000;
const SERVICE = fileURLToPath(new URL("./lib/push-service-child.ts", import.meta.url));
const SENDER = fileURLToPath(new URL("./lib/push-sender.ts", import.meta.url));

const ms = (us: number) => Math.round(us / 10) / 100;
function latencyOf(data: HistogramData[]): Latency {
  const h = Histogram.from(data);
  return { count: h.total, p50_ms: ms(h.percentile(50)), p95_ms: ms(h.percentile(95)), p99_ms: ms(h.percentile(99)), max_ms: ms(h.max), mean_ms: h.total ? ms(h.sum / h.total) : 0 };
}

/** Waits until the push service holds `expected` pushes, or nothing new came for `stallMs` (or `capMs` in all). */
async function awaitPushes(service: ChildHandle, expected: number, capMs: number): Promise<number> {
  const until = performance.now() + capMs;
  let last = -1;
  let lastChange = performance.now();
  for (;;) {
    const n = await service.call<number>("count");
    if (n >= expected) return n;
    if (n !== last) {
      last = n;
      lastChange = performance.now();
    }
    if (performance.now() - lastChange > stallMs || performance.now() > until) return n;
    await sleep(100);
  }
}

async function waitQueueEmpty(url: string, capMs: number): Promise<number | null> {
  const until = performance.now() + capMs;
  let depth: number | null;
  do {
    depth = (await pushMetrics(url)).chat_push_queue_depth ?? null;
    if (depth === 0) return 0;
    await sleep(100);
  } while (performance.now() < until);
  return depth;
}

async function runOne(round: number, variant: Variant, caFile: string, service: ChildHandle, sender: ChildHandle, track: { db?: BenchDb; redis?: TestRedis }): Promise<Run> {
  const [queue, pushes] = variant.split("-") as [Queue, Pushes];
  const trust: Trust = variant.endsWith("-cafile") ? "PUSH_CA_FILE" : "ca-store";
  const load_at_start = await waitForQuiet(QUIET_LOAD, QUIET_WAIT_MS);
  const redis = queue === "redis" ? (track.redis = await startRedis()) : undefined;
  const db = (track.db = await openBenchDb("sqlite"));
  let server: ServerHandle | undefined;
  try {
    const env = benchEnv({ PUSH_SENDER: pushes === "on" ? "auto" : "off", PUSH_ALLOW_PRIVATE_ENDPOINTS: "true", ...(trust === "PUSH_CA_FILE" ? { PUSH_CA_FILE: caFile } : {}) });
    // The server child inherits this process's environment: Node reads NODE_EXTRA_CA_CERTS at its start.
    if (trust === "ca-store") process.env.NODE_EXTRA_CA_CERTS = caFile;
    else delete process.env.NODE_EXTRA_CA_CERTS;
    server = await startServer("ours", { db, env, name: `push-${variant}`, ...(redis ? { redisUrl: redis.url } : {}) });
    delete process.env.NODE_EXTRA_CA_CERTS;
    const world = await buildPushWorld(server.url, service, { dms: DMS, groupMembers: GROUP });
    await sender.call("connect", { url: server.url, token: world.sender.token });
    const expectedOf = (acked: number[]) => (pushes === "on" ? acked.reduce((sum, n) => sum + world.pushesPer[n % world.targets.length]!, 0) : 0);

    // Warm-up (not measured): creates the DMs, warms caches, JIT, the push service's TLS connections.
    await service.call("begin", 0);
    const warm = await sender.call<PushSendResult>("send", { rate: RATE, durationMs: warmMs, targets: world.targets, step: 0, textBytes: TEXT_BYTES }, warmMs + 60_000);
    await awaitPushes(service, expectedOf(warm.acked_numbers), 30_000);
    if (pushes === "on") await waitQueueEmpty(server.url, 30_000);

    await service.call("begin", 1);
    const m0 = await pushMetrics(server.url);
    const sampler = sampleQueueDepth(server.url, 500);
    const machineUse = machineWindow([server.pid, sender.proc.pid, service.proc.pid, redis ? redisPid(redis.port) : undefined]);
    await server.probeStart();
    const res = await sender.call<PushSendResult>("send", { rate: RATE, durationMs: phaseMs, targets: world.targets, step: 1, textBytes: TEXT_BYTES }, phaseMs + 60_000);
    const probe = await server.probeStop();
    const machineBusy = machineUse.stop();
    const loadAtEnd = load1();
    const sendEnd = performance.timeOrigin + performance.now();
    const expected = expectedOf(res.acked_numbers);
    if (pushes === "on") await awaitPushes(service, expected, drainCapMs);
    else await sleep(1000); // pushes off: none may come; give a stray one the time to show up
    await sleep(300); // a duplicate would come right behind
    const depth = await sampler.stop();
    const endDepth = pushes === "on" ? await waitQueueEmpty(server.url, 5000) : ((await pushMetrics(server.url)).chat_push_queue_depth ?? null);
    const m1 = await pushMetrics(server.url);
    const rep = await service.call<PushReport>("report");
    const diff = (name: string) => metricSum(m1, name) - metricSum(m0, name);

    // Missing: per acked message, the pushes it should have made that did not arrive.
    const got = new Map(rep.per_message);
    let missing = 0;
    if (pushes === "on") for (const n of res.acked_numbers) missing += Math.max(0, world.pushesPer[n % world.targets.length]! - (got.get(n) ?? 0));
    const push = latencyOf([rep.latency]);
    const bySecond = rep.by_second.map(([s, d]): [number, number, number] => {
      const l = latencyOf([d]);
      return [s, l.p50_ms, l.p99_ms];
    });
    const drainMs = rep.last_arrival_ms ? Math.max(0, Math.round(rep.last_arrival_ms - sendEnd)) : null;
    const run: Run = {
      round,
      variant,
      queue,
      pushes,
      trust,
      load_at_start,
      load_at_end: loadAtEnd,
      machine_busy_cores: machineBusy.busy_cores,
      others_cores: machineBusy.others_cores,
      sent: res.sent,
      acked: res.acked,
      errors: res.errors,
      error_kinds: res.error_kinds,
      send_ms: res.send_ms,
      schedule_lag_max_ms: res.schedule_lag_max_ms,
      ack: latencyOf([res.acks]),
      server: probe,
      pushes_expected: expected,
      pushes_received: rep.received,
      pushes_missing: missing,
      push_duplicates: rep.duplicates,
      push_stale: rep.stale,
      push_unreadable: rep.unreadable,
      push,
      push_by_second: bySecond,
      drain_ms: drainMs,
      pushes_per_s: rep.received && rep.last_arrival_ms > rep.first_arrival_ms ? Math.round((rep.received * 1000) / (rep.last_arrival_ms - rep.first_arrival_ms)) : null,
      queue_depth_max_sampled: depth.max,
      queue_depth_samples: depth.samples,
      queue_depth_end: endDepth,
      sent_total: diff("chat_push_sent_total"),
      failed_total: diff("chat_push_failed_total"),
      retried_total: diff("chat_push_retried_total"),
      skipped_total: diff("chat_push_skipped_total"),
      enqueue_failed_total: diff("chat_push_enqueue_failed_total"),
      rejected: rep.rejected,
      rejected_reasons: rep.rejected_reasons,
    };
    console.log(
      `  ${ROUNDS > 1 ? `round ${round} ` : ""}${variant}: ${run.acked}/${run.sent} acked, ack p50 ${run.ack.p50_ms} p99 ${run.ack.p99_ms} ms` +
        (pushes === "on" ? `; pushes ${run.pushes_received}/${expected}, push p50 ${push.p50_ms} p99 ${push.p99_ms} ms, queue depth max ${depth.max}, end ${endDepth}` : `; pushes received ${run.pushes_received} (expected none)`),
    );
    return run;
  } finally {
    await sender.call("close").catch(() => {});
    await server?.close();
    await db.stop();
    track.db = undefined;
    await redis?.stop();
    track.redis = undefined;
  }
}

async function main() {
  const host = machine(); // first: its load average describes the machine before the run
  const caDir = mkdtempSync(join(tmpdir(), "chat-bench-push-ca-"));
  const track: { db?: BenchDb; redis?: TestRedis } = {};
  const cleanup = async () => {
    await stopAll();
    await track.redis?.stop();
    await track.db?.stop();
    rmSync(caDir, { recursive: true, force: true });
  };
  const timer = deadline((smoke ? 100 : 600 + ROUNDS * variants.length * (240 + QUIET_WAIT_MS / 1000)) * 1000, cleanup);
  onInterrupt(cleanup);

  const runs: Run[] = [];
  const service = spawnChild("push-service", SERVICE);
  const sender = spawnChild("push-sender", SENDER);
  try {
    await Promise.all([service.once("ready"), sender.once("ready")]);
    const { ca } = await service.call<{ url: string; ca: string }>("start");
    const caFile = join(caDir, "push-service-ca.pem");
    writeFileSync(caFile, ca);
    for (let round = 1; round <= ROUNDS; round++) for (const v of variants) runs.push(await runOne(round, v, caFile, service, sender, track));
  } finally {
    await service.call("stop").catch(() => {});
    await cleanup();
    clearTimeout(timer);
  }

  const { tables, notes, verdicts } = reportPushRuns(runs, { rate: RATE, phaseMs, warmMs, dms: DMS, group: GROUP, textBytes: TEXT_BYTES, quietLoad: QUIET_LOAD, quietWaitMs: QUIET_WAIT_MS });
  writeResults(resultsDir(smoke), resultName("push"), { machine: host, rate: RATE, phase_ms: phaseMs, dms: DMS, group_members: GROUP, rounds: ROUNDS, runs }, tables, notes);
  console.log(`\nverdict: ${verdicts.join("; ")}`);

  exitIfBroken(brokenPushRuns(runs));
}

runBenchmark(main);
