// What bench/push.ts reports: its runs' record, the two tables (send ack latency with pushes
// on against off; push latency), the notes and verdicts, and what makes a run broken. Kept
// apart from the orchestration (starting servers, sending, waiting for pushes).
import { ratio, type Table } from "./report.ts";
import type { ProbeWindow } from "./server-probe.ts";

export type Variant = "memory-off" | "memory-on" | "memory-on-cafile" | "redis-off" | "redis-on";
export type Queue = "memory" | "redis";
export type Pushes = "off" | "on";
/** How the server trusts the push service's certificate: Node's CA store (NODE_EXTRA_CA_CERTS) or PUSH_CA_FILE. */
export type Trust = "ca-store" | "PUSH_CA_FILE";

export interface Latency {
  count: number;
  p50_ms: number;
  p95_ms: number;
  p99_ms: number;
  max_ms: number;
  mean_ms: number;
}

export interface Run {
  round: number;
  variant: Variant;
  queue: Queue;
  pushes: Pushes;
  trust: Trust;
  load_at_start: number;
  load_at_end: number;
  /** Cores busy on the whole machine over the send window, and how many of them were not this benchmark (others' work, steal). */
  machine_busy_cores: number | null;
  others_cores: number | null;
  sent: number;
  acked: number;
  errors: number;
  error_kinds: Record<string, number>;
  send_ms: number;
  schedule_lag_max_ms: number;
  ack: Latency;
  server: ProbeWindow;
  pushes_expected: number;
  pushes_received: number;
  pushes_missing: number;
  push_duplicates: number;
  push_stale: number;
  push_unreadable: number;
  push: Latency;
  /** Push p50/p99 ms by second of the send time: does the push latency drift during the run? */
  push_by_second: [number, number, number][];
  /** From the last send to the last push arriving. */
  drain_ms: number | null;
  pushes_per_s: number | null;
  queue_depth_max_sampled: number;
  queue_depth_samples: number;
  queue_depth_end: number | null;
  /** Counters over the measured phase (differences of /metrics). */
  sent_total: number;
  failed_total: number;
  retried_total: number;
  skipped_total: number;
  enqueue_failed_total: number;
  rejected: number;
  rejected_reasons: string[];
}

/** The run's settings the report describes. */
export interface PushReportSettings {
  rate: number;
  phaseMs: number;
  warmMs: number;
  dms: number;
  group: number;
  textBytes: number;
  quietLoad: number;
  quietWaitMs: number;
}

/** The tables, notes and verdicts of a set of runs. */
export function reportPushRuns(runs: Run[], o: PushReportSettings): { tables: Table[]; notes: string[]; verdicts: string[] } {
  const { rate: RATE, phaseMs, warmMs, dms: DMS, group: GROUP, textBytes: TEXT_BYTES, quietLoad: QUIET_LOAD, quietWaitMs: QUIET_WAIT_MS } = o;
  const perCycle = DMS + GROUP; // pushes per round of DMS + 1 messages
  const pushRate = Math.round((RATE * perCycle) / (DMS + (GROUP ? 1 : 0)));
  const lat = (l: Latency) => `${l.p50_ms} / ${l.p95_ms} / ${l.p99_ms} / ${l.max_ms}`;
  const offOf = (q: Queue, round: number) => runs.find((r) => r.queue === q && r.pushes === "off" && r.round === round);
  const pushesLabel = (r: Run) => (r.pushes === "off" ? "off (baseline)" : r.trust === "PUSH_CA_FILE" ? "on, PUSH_CA_FILE" : "on");
  const cpuMs = (r: Run) => r.server.cpu_user_ms + r.server.cpu_system_ms;
  const cpuPerMessage = (r: Run) => (r.acked ? Math.round((cpuMs(r) / r.acked) * 100) / 100 : null);
  /** Server CPU the pushes added, per push: (on - off) over the same send window. */
  const cpuPerPush = (r: Run) => {
    const off = offOf(r.queue, r.round);
    return off && r.pushes_received ? Math.round(((cpuMs(r) - cpuMs(off)) / r.pushes_received) * 100) / 100 : null;
  };
  const ackRows = runs.map((r) => {
    const off = offOf(r.queue, r.round);
    const isOn = r.pushes === "on" && off !== undefined;
    return [
      r.round,
      r.queue,
      pushesLabel(r),
      `${r.acked} / ${r.sent}`,
      lat(r.ack),
      isOn ? ratio(r.ack.p50_ms, off.ack.p50_ms) : null,
      isOn ? ratio(r.ack.p99_ms, off.ack.p99_ms) : null,
      r.server.cpu_cores,
      cpuPerMessage(r),
      r.server.loop_lag_p99_ms,
      r.schedule_lag_max_ms,
      r.others_cores,
      `${r.load_at_start} → ${r.load_at_end}`,
    ];
  });
  const onRuns = runs.filter((r) => r.pushes === "on");
  const tables: Table[] = [
    {
      title: `Send ack latency at ${RATE} msg/s (open loop, ${phaseMs / 1000} s), pushes on vs off (PUSH_SENDER=off, the baseline in the same run)`,
      columns: ["round", "push queue", "pushes", "acked / sent", "ack p50 / p95 / p99 / max ms", "p50 on/off", "p99 on/off", "server CPU cores", "server CPU ms per message", "loop lag p99 ms", "sender schedule lag max ms", "others' CPU cores", "load avg"],
      rows: ackRows,
    },
    {
      title: `Push latency: client send → the push service holding the decrypted push (${DMS} DMs + a group of ${GROUP}, all recipients offline: ~${pushRate} pushes/s)`,
      columns: ["round", "push queue", "pushes", "arrived / expected", "missing", "duplicates", "push p50 / p95 / p99 / max ms", "pushes/s", "drain after last send ms", "queue depth max (sampled 2/s)", "queue depth at end", "sent / failed / retried (metrics)", "server CPU ms added per push"],
      rows: onRuns.map((r) => [r.round, r.queue, pushesLabel(r), `${r.pushes_received} / ${r.pushes_expected}`, r.pushes_missing, r.push_duplicates, lat(r.push), r.pushes_per_s, r.drain_ms, r.queue_depth_max_sampled, r.queue_depth_end, `${r.sent_total} / ${r.failed_total} / ${r.retried_total}`, cpuPerPush(r)]),
    },
  ];
  const notes = [
    `one sender online (/dm and /groups sockets) sends ${RATE} msg/s open loop (message n due at n/${RATE} s, whatever the acks do) round-robin into ${DMS} DMs${GROUP ? ` and a group of ${GROUP} other members` : ""}; ${TEXT_BYTES}-byte texts stamped with their send time; a ${warmMs / 1000} s warm-up per server is not measured`,
    "every recipient is offline (never connected) with one Web Push subscription registered through POST /api/push/subscriptions, pinned to the server's VAPID key; the push service (test/support/push-service.ts, its own process, HTTPS with a self-signed certificate, trusted by the server through NODE_EXTRA_CA_CERTS (Node's CA store, as a public push service's would be) or, in the memory-on-cafile run, through PUSH_CA_FILE; loopback allowed by PUSH_ALLOW_PRIVATE_ENDPOINTS=true) verifies VAPID and decrypts each push (aes128gcm) before it counts",
    "each server runs on a fresh SQLite DATA_DIR (embedded mode); redis: a fresh redis-server per server, REDIS_URL set (Redis streams Socket.IO adapter and the Redis-streams push queue); memory: the in-process queue",
    "ack latency: from the emit to the ack, in the sender's process; push latency: from that emit to the push service having verified and decrypted the push, across processes on one clock (performance.timeOrigin + now)",
    "server CPU and loop lag: the server process over the measured send window (SQLite runs inside it; the push fan-out and Web Push encryption too)",
    "others' CPU cores: of the machine's 2 cores, how many were busy over the send window with processes other than this benchmark's (server, sender, push service, redis-server, orchestrator), steal included: other people's tests. A run with others' CPU near 1 or more measured a contended machine, not the server",
  ];
  for (const r of onRuns) if (r.push_by_second.length) notes.push(`round ${r.round} ${r.variant}: push p99 by second of the run (ms): ${r.push_by_second.map(([, , p99]) => p99).join(", ")}`);
  if (QUIET_WAIT_MS > 0) notes.push(`before each server the run waited (at most ${QUIET_WAIT_MS / 1000} s) for the 1-minute load average to fall below ${QUIET_LOAD}: the load it started at is in the table`);

  const median = (xs: number[]) => {
    const v = [...xs].sort((a, b) => a - b);
    const m = Math.floor(v.length / 2);
    return v.length % 2 ? v[m]! : Math.round(((v[m - 1]! + v[m]!) / 2) * 100) / 100;
  };
  const onVariants = [...new Set(onRuns.map((r) => r.variant))];
  const verdicts = onVariants.map((variant) => {
    const ons = onRuns.filter((r) => r.variant === variant);
    const offs = ons.map((r) => offOf(r.queue, r.round)).filter((r): r is Run => r !== undefined);
    const on = { p50: median(ons.map((r) => r.ack.p50_ms)), p99: median(ons.map((r) => r.ack.p99_ms)), push99: median(ons.map((r) => r.push.p99_ms)) };
    const arrived = `${ons.reduce((n, r) => n + r.pushes_received, 0)}/${ons.reduce((n, r) => n + r.pushes_expected, 0)} pushes arrived (push p99 ${on.push99} ms, queue depth at end ${ons.map((r) => r.queue_depth_end).join("/")})`;
    const rounds = ons.length > 1 ? ` (medians of ${ons.length} rounds)` : "";
    if (!offs.length) return `${variant}: ack p50 ${on.p50} ms p99 ${on.p99} ms (no pushes-off baseline run)${rounds}, ${arrived}`;
    const off = { p50: median(offs.map((r) => r.ack.p50_ms)), p99: median(offs.map((r) => r.ack.p99_ms)) };
    // Within 1.5× or 1 ms of the baseline is within this shared machine's noise.
    const costs = (a: number, b: number) => a > b * 1.5 && a - b > 1;
    const cost = costs(on.p99, off.p99) || costs(on.p50, off.p50) ? "pushes cost the sender" : "no measurable cost to the sender";
    return `${variant}: ${cost}${rounds}: ack p50 ${on.p50} vs ${off.p50} ms off (${ratio(on.p50, off.p50)}×), p99 ${on.p99} vs ${off.p99} ms (${ratio(on.p99, off.p99)}×); ${arrived}`;
  });
  notes.push(...verdicts.map((v) => `verdict: ${v}`));
  return { tables, notes, verdicts };
}

/** Why the runs do not count: a send not acked, a push missing, doubled or refused, a queue left non-empty. */
export function brokenPushRuns(runs: Run[]): string[] {
  const broken: string[] = [];
  for (const r of runs) {
    const name = `round ${r.round} ${r.variant}`;
    if (r.acked === 0 || r.acked < r.sent || r.errors > 0) broken.push(`${name}: acked ${r.acked}/${r.sent}, errors ${JSON.stringify(r.error_kinds)}`);
    if (r.pushes === "off" && r.pushes_received > 0) broken.push(`${name}: ${r.pushes_received} pushes arrived with PUSH_SENDER=off`);
    if (r.pushes === "on") {
      if (r.pushes_expected === 0 || r.pushes_missing > 0 || r.pushes_received < r.pushes_expected) broken.push(`${name}: ${r.pushes_received}/${r.pushes_expected} pushes arrived, ${r.pushes_missing} missing`);
      if (r.push_duplicates > 0) broken.push(`${name}: ${r.push_duplicates} duplicate pushes`);
      if (r.rejected > 0) broken.push(`${name}: the push service refused ${r.rejected}: ${r.rejected_reasons.join("; ")}`);
      if (r.queue_depth_end !== 0) broken.push(`${name}: queue depth ${r.queue_depth_end} at the end`);
      if (r.failed_total > 0 || r.enqueue_failed_total > 0) broken.push(`${name}: ${r.failed_total} pushes failed, ${r.enqueue_failed_total} not queued`);
    }
  }
  return broken;
}
