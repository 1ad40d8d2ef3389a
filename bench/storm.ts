// (d) Reconnect storm: N clients (default 10 000) all on node A of two nodes behind the
// shipped nginx config (cluster mode: both nodes on one FerretDB), the Redis streams
// adapter with connection-state recovery, a publisher sending into their groups the whole
// time. Node A is then stopped (SIGTERM: graceful drain; SIGKILL: no goodbye, no saved
// sessions) and every client reconnects through nginx to node B with the client
// library's default back-off.
// Measured from the signal: time until 50 / 99 / 100 % of clients have their `session`
// back and have caught up (recovered by CSR, or synced over REST), the share recovered
// by CSR, node B's CPU over the storm, and messages lost: every message the publisher got
// acked must be at every member client in the end (must be 0 for ours). The same storm
// runs against the bare Socket.IO baseline (same adapter and recovery options, no
// catch-up path: what it loses is what CSR alone cannot save).
//   npm run bench:storm [-- --smoke] [--clients 10000] [--users 1000] [--groups 10]
//     [--rate 5] [--signals SIGTERM,SIGKILL] [--targets ours,baseline] [--workers 4]
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startRedis, type TestRedis } from "../test/support/redis-server.ts";
import { startNginx, type TestNginx } from "../test/support/nginx.ts";
import { api } from "../test/support/http.ts";
import { freePort } from "../test/support/processes.ts";
import { spawnChild, runBenchmark, type ChildHandle } from "./lib/ipc.ts";
import { exitIfBroken, flags, machine, ratio, resultName, resultsDir, sleep, writeResults, type Table } from "./lib/report.ts";
import { procCpuMs } from "./lib/server-probe.ts";
import { benchDatabase, LOG_DIR, type BenchDb, type Target } from "./lib/servers.ts";
import { createGroup, registerUsers, type BenchUser } from "./lib/setup.ts";
import { startNode, stopNodes, type StormNode } from "./lib/storm-nodes.ts";

const f = flags();
const smoke = f.smoke;
const CLIENTS = f.num("clients", smoke ? 300 : 10_000);
const USERS = Math.min(CLIENTS, f.num("users", smoke ? 30 : 500));
const GROUPS = f.num("groups", smoke ? 3 : 10);
const WORKERS = f.num("workers", smoke ? 2 : 4);
const RATE = f.num("rate", 5);
const signals = f.list("signals", ["SIGTERM", "SIGKILL"]) as ("SIGTERM" | "SIGKILL")[];
const targets = f.list("targets", ["ours", "baseline"]) as Target[];
const STORM_BUDGET_MS = f.num("storm-budget-s", smoke ? 30 : 60) * 1000;
const BEFORE_KILL_MS = smoke ? 1500 : 3000;
const AFTER_STORM_MS = 2000;
const STORM_WORKER = fileURLToPath(new URL("./lib/storm-worker.ts", import.meta.url));
const PUBLISHER = fileURLToPath(new URL("./lib/storm-publisher.ts", import.meta.url));

interface Fixture {
  owner: BenchUser;
  users: BenchUser[];
  groupIds: string[];
}

interface Run {
  target: Target;
  signal: string;
  clients: number;
  connect_s: number;
  connects_per_s: number;
  back_ms: { p50: number | null; p99: number | null; p100: number | null };
  caught_up_ms: { p50: number | null; p99: number | null; p100: number | null };
  back_count: number;
  recovered_by_csr: number;
  node_exit_ms: number;
  messages_acked: number;
  publisher_retries: number;
  missing: number;
  clients_missing: number;
  raw_duplicates: number;
  catch_up_errors: number;
  error_kinds: Record<string, number>;
  node_b_cpu_s: number;
  db_cpu_s: number | null;
}

/** The time by which `share` of all clients were back (null: not all of that share came back). */
function percentile(times: (number | null)[], share: number): number | null {
  const done = times.filter((t): t is number => t !== null).sort((a, b) => a - b);
  const need = Math.max(1, Math.ceil(share * times.length));
  return done.length >= need ? done[need - 1]! : null;
}

/** Each group's highest stored seq (the fixture's groups carry on from one run to the next), asked of a node. */
async function topSeqs(url: string, owner: BenchUser, groupIds: string[]): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const g of groupIds) {
    const res = await api(url).get(`/api/messages/${g}/latest?count=1`, owner.token);
    if (res.status !== 200) throw new Error(`latest of ${g}: ${res.status} ${JSON.stringify(res.body)}`);
    out[g] = (res.body.messages as { seq: number }[]).at(-1)?.seq ?? 0;
  }
  return out;
}

/** What a run has started besides its children: stopped on the way out, also on the deadline. */
const started = new Set<{ stop(): Promise<void> }>();
async function stopStarted() {
  await stopNodes();
  await Promise.all([...started].map((r) => r.stop()));
  started.clear();
}

async function fixture(dbUri: string): Promise<Fixture> {
  const redis = await startRedis();
  started.add(redis);
  const node = await startNode("ours", { name: "storm-setup", redisUrl: redis.url, dbUri });
  try {
    const t0 = performance.now();
    const [owner] = await registerUsers(node.url, 1, "owner");
    const users = await registerUsers(node.url, USERS, "storm");
    const per = Math.ceil(USERS / GROUPS);
    const groupIds: string[] = [];
    for (let g = 0; g < GROUPS; g++) groupIds.push(await createGroup(node.url, owner!, users.slice(g * per, (g + 1) * per), `storm-${g}`));
    console.log(`fixture: ${USERS + 1} users, ${GROUPS} groups in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    return { owner: owner!, users, groupIds };
  } finally {
    await node.kill("SIGTERM");
    await redis.stop();
    started.delete(redis);
  }
}

async function storm(target: Target, signal: "SIGTERM" | "SIGKILL", fx: Fixture, db: BenchDb): Promise<Run> {
  const label = `${target} ${signal}`;
  const per = Math.ceil(USERS / GROUPS);
  const redis: TestRedis = await startRedis();
  started.add(redis);
  let nginx: TestNginx | undefined;
  const workers: ChildHandle[] = [];
  let publisher: ChildHandle | undefined;
  let b: StormNode | undefined;
  try {
    const a = await startNode(target, { name: `storm-${target}-${signal}-A`, redisUrl: redis.url, dbUri: db.uri! });
    const bPort = await freePort();
    // Node B is not up yet: nginx sends every client to A.
    nginx = await startNginx([a.port, bPort], { workers: 4, logFile: join(LOG_DIR, `storm-${target}-${signal}-nginx.log`) });
    started.add(nginx);

    // Client i is a device of user i % USERS; users are split into groups in order.
    const userOf = (i: number) => i % USERS;
    const groupOf = (i: number) => fx.groupIds[Math.floor(userOf(i) / per)]!;
    const auth = (i: number) => (target === "ours" ? { token: fx.users[userOf(i)]!.token } : { uid: `storm${userOf(i)}`, groups: [groupOf(i)] });
    const startSeqs = target === "ours" ? await topSeqs(a.url, fx.owner, fx.groupIds) : {};
    const t0 = performance.now();
    const connects = await Promise.all(
      Array.from({ length: WORKERS }, async (_, w) => {
        const worker = spawnChild(`storm-${w}`, STORM_WORKER);
        workers.push(worker);
        await worker.once("ready");
        const mine = Array.from({ length: CLIENTS }, (_, i) => i).filter((i) => i % WORKERS === w);
        return worker.call<{ opened: number; failed: number; errors: Record<string, number> }>(
          "connect",
          { url: nginx!.url, restUrl: nginx!.url, auths: mine.map(auth), tokens: target === "ours" ? mine.map((i) => fx.users[userOf(i)]!.token) : undefined, groups: mine.map((i) => [groupOf(i)]), startSeqs, localAddress: `127.0.0.${60 + w}`, concurrency: 25 },
          600_000,
        );
      }),
    );
    const connectS = (performance.now() - t0) / 1000;
    const opened = connects.reduce((n, c) => n + c.opened, 0);
    console.log(`  ${label}: ${opened}/${CLIENTS} clients on node A in ${connectS.toFixed(1)} s`);
    if (opened !== CLIENTS) throw new Error(`${label}: only ${opened} of ${CLIENTS} clients connected: ${JSON.stringify(connects.map((c) => c.errors))}`);

    b = await startNode(target, { name: `storm-${target}-${signal}-B`, redisUrl: redis.url, dbUri: db.uri!, port: bPort });
    publisher = spawnChild("storm-publisher", PUBLISHER);
    await publisher.once("ready");
    // The publisher talks to node B directly: it is not part of the storm.
    await publisher.call("connect", { url: b.url, auth: target === "ours" ? { token: fx.owner.token } : { uid: "owner", groups: fx.groupIds } });
    await publisher.call("start", { chatIds: fx.groupIds, rate: RATE, textBytes: 150 });
    await sleep(BEFORE_KILL_MS);

    const killedAt = Date.now();
    await Promise.all(workers.map((w) => w.call("mark", killedAt)));
    const bCpu0 = procCpuMs(b.proc.pid!);
    const dbPid = target === "ours" ? db.pid : undefined;
    const db0 = dbPid ? procCpuMs(dbPid) : 0;
    const exited = a.kill(signal).then(() => Date.now() - killedAt);

    type Status = { back: (number | null)[]; caught_up: (number | null)[]; recovered: number; after_mark: Record<string, number> };
    let statuses: Status[] = [];
    const all = () => ({ back: statuses.flatMap((s) => s.back), caught: statuses.flatMap((s) => s.caught_up), recovered: statuses.reduce((n, s) => n + s.recovered, 0) });
    for (const until = Date.now() + STORM_BUDGET_MS; Date.now() < until; ) {
      await sleep(250);
      statuses = await Promise.all(workers.map((w) => w.call<Status>("status")));
      if (all().caught.every((t) => t !== null)) break;
    }
    const bCpuS = (procCpuMs(b.proc.pid!) - bCpu0) / 1000;
    const dbCpuS = dbPid ? (procCpuMs(dbPid) - db0) / 1000 : null;
    const nodeExitMs = await exited;
    const { back, caught, recovered } = all();
    const events: Record<string, number> = {};
    for (const s of statuses) for (const [k, v] of Object.entries(s.after_mark)) events[k] = (events[k] ?? 0) + v;
    console.log(`  ${label}: client events after the signal: ${JSON.stringify(events)}`);
    console.log(`  ${label}: ${back.filter((t) => t !== null).length}/${CLIENTS} back, 100 % caught up at ${percentile(caught, 1) ?? "never"} ms, ${recovered} by CSR`);

    await sleep(AFTER_STORM_MS);
    const sent = await publisher.call<{ acked: Record<string, number[]>; sent: number; retries: number; failures: number }>("stop", undefined, 60_000);
    // Clients may still be filling a last hole: give them a little while.
    type Missing = { missing: number; clients_missing: number; duplicates: number; errors: number; error_kinds: Record<string, number> };
    let missing: Missing[] = [];
    for (const until = Date.now() + 15_000; ; ) {
      missing = await Promise.all(workers.map((w) => w.call<Missing>("missing", sent.acked, 60_000)));
      if (missing.every((m) => m.missing === 0) || Date.now() > until || target === "baseline") break;
      await sleep(500);
    }
    const kinds: Record<string, number> = {};
    for (const m of missing) for (const [k, v] of Object.entries(m.error_kinds)) kinds[k] = (kinds[k] ?? 0) + v;
    const sum = (k: keyof Omit<Missing, "error_kinds">) => missing.reduce((n, m) => n + m[k], 0);
    return {
      target,
      signal,
      clients: CLIENTS,
      connect_s: Math.round(connectS * 10) / 10,
      connects_per_s: Math.round(CLIENTS / connectS),
      back_ms: { p50: percentile(back, 0.5), p99: percentile(back, 0.99), p100: percentile(back, 1) },
      caught_up_ms: { p50: percentile(caught, 0.5), p99: percentile(caught, 0.99), p100: percentile(caught, 1) },
      back_count: back.filter((t) => t !== null).length,
      recovered_by_csr: recovered,
      node_exit_ms: nodeExitMs,
      messages_acked: sent.sent,
      publisher_retries: sent.retries + sent.failures,
      missing: sum("missing"),
      clients_missing: sum("clients_missing"),
      raw_duplicates: sum("duplicates"),
      catch_up_errors: sum("errors"),
      error_kinds: kinds,
      node_b_cpu_s: Math.round(bCpuS * 10) / 10,
      db_cpu_s: dbCpuS === null ? null : Math.round(dbCpuS * 10) / 10,
    };
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
    await publisher?.stop();
    await stopStarted();
  }
}

async function main() {
  const host = machine();
  // Two nodes share one database: cluster mode, on FerretDB.
  const { db, finish } = await benchDatabase((smoke ? 150 : 1800) * 1000, { kind: "ferretdb", also: stopStarted });
  const runs: Run[] = [];
  try {
    const fx = await fixture(db.uri!);
    for (const signal of signals) for (const target of targets) runs.push(await storm(target, signal, fx, db));
  } finally {
    await finish();
  }

  const ms = (v: number | null) => (v === null ? "not all" : v);
  const find = (t: Target, s: string) => runs.find((r) => r.target === t && r.signal === s);
  const tables: Table[] = [
    {
      title: `Reconnect storm: ${CLIENTS} clients (${USERS} users in ${GROUPS} groups) leave node A for node B through nginx; ${RATE} msg/s published throughout (targets: ≤ 10 s to 100 %, 0 lost)`,
      columns: ["server", "signal", "back 50 / 99 / 100 % (ms)", "caught up 50 / 99 / 100 % (ms)", "recovered by CSR", "messages acked", "lost (client × message)", "node B CPU s", "DB CPU s", "100 % caught up vs baseline"],
      rows: runs.map((r) => {
        const base = find("baseline", r.signal);
        return [
          r.target,
          r.signal,
          `${ms(r.back_ms.p50)} / ${ms(r.back_ms.p99)} / ${ms(r.back_ms.p100)}`,
          `${ms(r.caught_up_ms.p50)} / ${ms(r.caught_up_ms.p99)} / ${ms(r.caught_up_ms.p100)}`,
          `${Math.round((r.recovered_by_csr / r.clients) * 1000) / 10} %`,
          r.messages_acked,
          r.target === "baseline" ? `${r.missing} (no catch-up path)` : r.missing,
          r.node_b_cpu_s,
          r.db_cpu_s,
          r.target === "ours" && base && r.caught_up_ms.p100 !== null && base.caught_up_ms.p100 !== null ? ratio(r.caught_up_ms.p100, base.caught_up_ms.p100) : null,
        ];
      }),
    },
  ];
  const notes = [
    `clients: ours, the client SDK (client/, the web client's catch-up) keeping no messages; the baseline, bare socket.io-client sockets; both over WebSocket with the library's default reconnection (1 s first delay, ±50 % jitter, up to 5 s), ${WORKERS} load-generator processes; each user has ${Math.round(CLIENTS / USERS)} devices`,
    "times run from the signal to the client's next `session` event (back) and to the end of its catch-up (caught up: at once when recovered by CSR; else after GET /api/events/sync and any gap fill); the baseline has no catch-up path, so its caught-up = back",
    "lost = for every client, the acked messages of its group it never got, summed; raw duplicates (a message seen live and again in sync) are dropped by id and not counted",
  ];
  writeResults(resultsDir(smoke), resultName("storm"), { machine: host, clients: CLIENTS, users: USERS, groups: GROUPS, rate: RATE, runs }, tables, notes);

  const broken = runs
    .filter((r) => r.target === "ours")
    .filter((r) => r.missing > 0 || r.caught_up_ms.p100 === null || r.catch_up_errors > 0 || r.messages_acked === 0)
    .map((r) => `ours ${r.signal}: missing ${r.missing} (${r.clients_missing} clients), back ${r.back_count}/${r.clients}, caught up 100 % ${ms(r.caught_up_ms.p100)}, errors ${JSON.stringify(r.error_kinds)}`);
  const baselineBroken = runs.filter((r) => r.target === "baseline" && (r.back_ms.p100 === null || r.messages_acked === 0)).map((r) => `baseline ${r.signal}: back ${r.back_count}/${r.clients}`);
  exitIfBroken([...broken, ...baselineBroken]);
}

runBenchmark(main, stopStarted);
