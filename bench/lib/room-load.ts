// The load of one fan-out measurement: receiver processes holding a room's sockets and a
// publisher process, plus one "step" = publish at a rate for a while, then collect.
import { fileURLToPath } from "node:url";
import { Histogram, type HistogramData } from "./histogram.ts";
import { spawnChild, type ChildHandle } from "./ipc.ts";
import { sleep } from "./report.ts";

const WORKER = fileURLToPath(new URL("./fanout-worker.ts", import.meta.url));

/** What a measured run delivered wrong: every fan-out step and DM phase reports these. */
export interface Integrity {
  missing: number;
  gaps: number;
  /** Arrived, but after a higher seq (not a loss; a client detecting loss by seq would wait). */
  reordered: number;
  duplicates: number;
  errors: number;
  error_kinds: Record<string, number>;
}

export interface RoomReport {
  received: number;
  stale: number;
  gaps: number;
  reordered: number;
  duplicates: number;
  errors: number;
  error_kinds: Record<string, number>;
  delivery: HistogramData;
  acks: HistogramData;
}

export interface StepOutcome {
  sent: number;
  acked: number;
  overloaded: boolean;
  send_ms: number;
  received: number;
  expected: number;
  gaps: number;
  reordered: number;
  duplicates: number;
  errors: number;
  error_kinds: Record<string, number>;
  delivery: Histogram;
  acks: Histogram;
}

export class RoomLoad {
  receivers: ChildHandle[] = [];
  publisher!: ChildHandle;
  chatId = "";
  fanout = 0;
  connectMs = 0;

  static async open(o: { urls: string[]; auths: Record<string, unknown>[]; publisherAuth: Record<string, unknown>; chatId: string; workers: number; connectBudgetMs: number }): Promise<RoomLoad> {
    const load = new RoomLoad();
    load.chatId = o.chatId;
    load.fanout = o.auths.length;
    const t0 = performance.now();
    try {
      const per = Math.ceil(o.auths.length / o.workers);
      const starts = Array.from({ length: o.workers }, (_, w) => w * per).filter((s) => s < o.auths.length);
      load.receivers = starts.map((_, w) => spawnChild(`receivers-${w}`, WORKER));
      load.publisher = spawnChild("publisher", WORKER);
      await Promise.all([...load.receivers, load.publisher].map((c) => c.once("ready", 30_000)));
      await Promise.all(
        load.receivers.map((r, w) =>
          r.call("connect", { urls: o.urls, ns: "groups", auths: o.auths.slice(starts[w], starts[w]! + per), localAddress: `127.0.0.${20 + w}`, urlOffset: starts[w], lite: true }, o.connectBudgetMs),
        ),
      );
      await load.publisher.call("connect", { urls: [o.urls[0]], ns: "groups", auths: [o.publisherAuth], localAddress: "127.0.0.19" });
    } catch (err) {
      await load.close();
      throw err;
    }
    load.connectMs = Math.round(performance.now() - t0);
    return load;
  }

  /** Publishes at `rate` msgs/s for `durationMs`, then waits (bounded) for every delivery. */
  async step(step: number, rate: number, durationMs: number, textBytes = 150): Promise<StepOutcome> {
    await Promise.all([...this.receivers, this.publisher].map((c) => c.call("begin", step)));
    const pub = await this.publisher.call("send", { rate, durationMs, chatIds: [this.chatId], textBytes, maxInflight: 2000, step }, durationMs + 60_000);
    const expected = pub.acked * this.fanout;
    let reports: RoomReport[];
    const until = performance.now() + 3000;
    for (;;) {
      reports = await Promise.all(this.receivers.map((r) => r.call<RoomReport>("report")));
      const got = reports.reduce((s, r) => s + r.received, 0);
      if (got >= expected || performance.now() > until) break;
      await sleep(100);
    }
    const pubReport = await this.publisher.call<RoomReport>("report");
    const errorKinds: Record<string, number> = {};
    for (const r of [...reports, pubReport]) for (const [k, v] of Object.entries(r.error_kinds)) errorKinds[k] = (errorKinds[k] ?? 0) + v;
    return {
      sent: pub.sent,
      acked: pub.acked,
      overloaded: pub.overloaded,
      send_ms: pub.send_ms,
      received: reports.reduce((s, r) => s + r.received, 0),
      expected,
      gaps: reports.reduce((s, r) => s + r.gaps, 0),
      reordered: reports.reduce((s, r) => s + r.reordered, 0),
      duplicates: reports.reduce((s, r) => s + r.duplicates, 0),
      errors: reports.reduce((s, r) => s + r.errors, 0) + pubReport.errors,
      error_kinds: errorKinds,
      delivery: Histogram.from(reports.map((r) => r.delivery)),
      acks: Histogram.from([pubReport.acks]),
    };
  }

  async close() {
    const all = [...this.receivers, ...(this.publisher ? [this.publisher] : [])];
    await Promise.all(all.map((c) => c.call("closeAll", undefined, 30_000).catch(() => {})));
    await Promise.all(all.map((c) => c.stop()));
  }
}
