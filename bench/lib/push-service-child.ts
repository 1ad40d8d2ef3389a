// Child process for the push benchmark: the tests' local Web Push service
// (test/support/push-service.ts: HTTPS, checks VAPID, decrypts every payload as a browser
// would), in a process of its own so that its decryption does not share an event loop with
// the orchestrator or the load generator. Each push's latency runs from the send time the
// sender wrote into the message text (`t=<ms>;s=<step>;n=<n>;`, carried by the push's
// preview) to the moment the service has verified and decrypted it.
import { startPushService, type PushService, type ReceivedPush } from "../../test/support/push-service.ts";
import { Histogram, nowMs, type HistogramData } from "./histogram.ts";
import { notify, serve } from "./ipc.ts";

let svc: PushService | undefined;
let step = -1;
const latency = new Histogram();
/** Per message number of this step: the endpoints it reached (a repeat is a duplicate). */
const byMessage = new Map<number, Set<string>>();
/** Latency by second of the send time (relative to the step's first send), to see a trend. */
const bySecond = new Map<number, Histogram>();
let firstSend = Infinity;
let counted = 0;
let duplicates = 0;
let stale = 0;
let unreadable = 0;
let otherKinds = 0;
let firstArrival = 0;
let lastArrival = 0;

export interface PushReport {
  /** Pushes of this step that arrived (duplicates excluded). */
  received: number;
  duplicates: number;
  /** Pushes of an earlier step (the warm-up's stragglers), not counted. */
  stale: number;
  /** A `message` push whose preview carries no stamp. */
  unreadable: number;
  /** Pushes of another kind (a group invitation...), not counted. */
  other_kinds: number;
  latency: HistogramData;
  /** [message number, distinct endpoints reached] */
  per_message: [number, number][];
  /** [second of send time since the step's first send, latency histogram] */
  by_second: [number, HistogramData][];
  first_arrival_ms: number;
  last_arrival_ms: number;
  /** What the service refused (a failed VAPID check, an undecryptable body...), with reasons. */
  rejected: number;
  rejected_reasons: string[];
  /** Requests answered other than 201 (a refusal) or not answered. */
  attempts_not_201: number;
}

function onPush(p: ReceivedPush) {
  const at = nowMs();
  const payload = p.payload as { kind?: string; preview?: string } | undefined;
  if (payload?.kind !== "message") return void otherKinds++;
  const m = /^t=([\d.]+);s=(\d+);n=(\d+);/.exec(payload.preview ?? "");
  if (!m) return void unreadable++;
  if (Number(m[2]) !== step) return void stale++;
  const t = Number(m[1]);
  const n = Number(m[3]);
  let seen = byMessage.get(n);
  if (!seen) byMessage.set(n, (seen = new Set()));
  if (seen.has(p.endpoint)) return void duplicates++;
  seen.add(p.endpoint);
  counted++;
  const us = (at - t) * 1000;
  latency.record(us);
  firstSend = Math.min(firstSend, t);
  // Keyed by absolute second here; made relative to the first send in report().
  const sec = Math.floor(t / 1000);
  let h = bySecond.get(sec);
  if (!h) bySecond.set(sec, (h = new Histogram()));
  h.record(us);
  if (!firstArrival) firstArrival = at;
  lastArrival = at;
}

serve({
  async start() {
    svc = await startPushService();
    // Every push the service accepts goes through `received.push` (its Arrivals list): time it there, exactly.
    const list = svc.received;
    const push = list.push.bind(list);
    list.push = (...items: ReceivedPush[]) => {
      for (const p of items) onPush(p);
      return push(...items);
    };
    return { url: svc.url, ca: svc.ca };
  },
  /** Refuse pushes not signed with the server's VAPID key (as a browser-pinned subscription does). */
  expectVapidKey(key: string) {
    svc!.expectVapidKey(key);
  },
  /** Browser-like subscriptions pinned to `key`. */
  subscriptions(a: { n: number; key: string }) {
    return Array.from({ length: a.n }, () => svc!.newSubscription({ applicationServerKey: a.key }));
  },
  /** A new step: only pushes of messages stamped with it count from now on. */
  begin(s: number) {
    step = s;
    svc!.clear();
    latency.reset();
    byMessage.clear();
    bySecond.clear();
    firstSend = Infinity;
    counted = duplicates = stale = unreadable = otherKinds = 0;
    firstArrival = lastArrival = 0;
  },
  count: () => counted,
  report(): PushReport {
    const s = svc!;
    const base = Math.floor(firstSend / 1000);
    return {
      received: counted,
      duplicates,
      stale,
      unreadable,
      other_kinds: otherKinds,
      latency: latency.toJSON(),
      per_message: [...byMessage].map(([n, eps]) => [n, eps.size]),
      by_second: [...bySecond].sort(([a], [b]) => a - b).map(([sec, h]) => [sec - base, h.toJSON()]),
      first_arrival_ms: firstArrival,
      last_arrival_ms: lastArrival,
      rejected: s.rejected.length,
      rejected_reasons: [...new Set(s.rejected.map((r) => `${r.status} ${r.reason}`))].slice(0, 5),
      attempts_not_201: s.attempts.filter((a) => a.status !== 201).length,
    };
  },
  async stop() {
    await svc?.stop();
    svc = undefined;
  },
});
notify("ready");
