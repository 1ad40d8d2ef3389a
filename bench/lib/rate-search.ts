// Finds the highest publish rate a server sustains: double until a step fails, then
// bisect between the last passing and the first failing rate. A step passes when every
// acked message reached every member, with no seq gap, no error, and p99 within limit.
import type { Summary } from "./histogram.ts";
import type { Integrity, RoomLoad } from "./room-load.ts";
import type { ServerHandle } from "./servers.ts";

export interface StepResult extends Integrity {
  step: number;
  rate: number;
  due: number;
  sent: number;
  acked: number;
  expected: number;
  received: number;
  delivery_rate: number;
  latency: Summary;
  ack_latency: Summary;
  cpu_cores: number;
  cpu_us_per_delivery: number;
  loop_lag_p99_ms: number;
  pass: boolean;
  why: string | null;
}

export interface SearchResult {
  best: StepResult | null;
  first_fail: StepResult | null;
  steps: StepResult[];
}

let stepCounter = 0;

export async function findRate(o: { label: string; startRate: number; stepMs: number; maxSteps: number; p99LimitMs: number; fanout: number; servers: ServerHandle[]; load: RoomLoad }): Promise<SearchResult> {
  const steps: StepResult[] = [];
  let best: StepResult | null = null;
  let fail: StepResult | null = null;
  let rate = o.startRate;
  const run = async (i: number): Promise<StepResult> => {
    await Promise.all(o.servers.map((s) => s.probeStart()));
    const out = await o.load.step(++stepCounter, rate, o.stepMs);
    const probes = await Promise.all(o.servers.map((s) => s.probeStop()));
    const cpuMs = probes.reduce((s, p) => s + p.cpu_user_ms + p.cpu_system_ms, 0);
    const secs = out.send_ms / 1000;
    // What the schedule sends in the step (the first send is due after 1/rate s).
    const due = Math.floor((rate * o.stepMs) / 1000);
    const latency = out.delivery.summary();
    const why = out.errors
      ? `errors ${JSON.stringify(out.error_kinds)}`
      : out.gaps || out.duplicates
        ? `${out.gaps} seq gaps, ${out.duplicates} duplicates`
        : out.received < out.expected
          ? `${out.expected - out.received} of ${out.expected} deliveries missing after 3 s`
          : out.overloaded || out.acked < due * 0.95
            ? `publisher fell behind (${out.acked} acked of ${due} due)`
            : latency.p99_ms > o.p99LimitMs
              ? `p99 ${latency.p99_ms} ms > ${o.p99LimitMs} ms`
              : null;
    return {
      step: i,
      rate,
      due,
      sent: out.sent,
      acked: out.acked,
      expected: out.expected,
      received: out.received,
      missing: Math.max(0, out.expected - out.received),
      gaps: out.gaps,
      reordered: out.reordered,
      duplicates: out.duplicates,
      errors: out.errors,
      error_kinds: out.error_kinds,
      delivery_rate: Math.round(out.received / secs),
      latency,
      ack_latency: out.acks.summary(),
      cpu_cores: Math.round((cpuMs / out.send_ms) * 100) / 100,
      cpu_us_per_delivery: out.received ? Math.round(((cpuMs * 1000) / out.received) * 100) / 100 : 0,
      loop_lag_p99_ms: Math.max(...probes.map((p) => p.loop_lag_p99_ms)),
      pass: why === null,
      why,
    };
  };
  for (let i = 0; i < o.maxSteps; i++) {
    let r = await run(i);
    // The machine is shared: a step that failed on latency alone gets one second chance.
    if (!r.pass && r.why?.startsWith("p99")) {
      console.log(`  ${o.label}: ${rate} msg/s → p99 ${r.latency.p99_ms} ms, retrying once`);
      const again = await run(i);
      if (again.pass || again.latency.p99_ms < r.latency.p99_ms) r = again;
    }
    const latency = r.latency;
    const why = r.why;
    steps.push(r);
    console.log(`  ${o.label}: ${rate} msg/s → ${r.delivery_rate} deliveries/s, p99 ${latency.p99_ms} ms, cpu ${r.cpu_cores} cores ${why ? `FAIL (${why})` : "ok"}`);
    if (r.pass && (!best || r.rate > best.rate)) best = r;
    if (!r.pass && (!fail || r.rate < fail.rate)) fail = r;
    // Done when the bracket is within 20%, or nothing passes even at the lowest rate.
    if (best && fail && fail.rate / best.rate <= 1.2) break;
    if (!best && rate <= 1) break;
    const next = !fail ? rate * 2 : !best ? Math.max(1, Math.floor(rate / 2)) : Math.round((best.rate + fail.rate) / 2);
    if (next === rate || (best && fail && (next <= best.rate || next >= fail.rate))) break;
    rate = next;
  }
  return { best, first_fail: fail, steps };
}
