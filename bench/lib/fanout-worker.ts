// Load-generator child for the fan-out and DM benchmarks. One process plays either
// receivers (many sockets in a room, measuring delivery latency from the send time
// carried in each message and checking that seq has no gaps) or publishers (sockets that
// send at a fixed open-loop rate, or as fast as acks come back, and time the acks).
import type { Socket } from "socket.io-client";
import { Histogram, nowMs } from "./histogram.ts";
import { notify, serve } from "./ipc.ts";
import { connectForSession } from "./session-socket.ts";
import { LiteSocket, peekMessage } from "./lite-socket.ts";

export interface ConnectArgs {
  urls: string[];
  ns: string;
  /** One auth object per socket: {token} for our app, {uid, groups} for the baseline. */
  auths: Record<string, unknown>[];
  localAddress: string;
  /** Socket i connects to urls[(i + urlOffset) % urls.length] (two nodes: split evenly). */
  urlOffset?: number;
  /** Receive-only sockets (LiteSocket): cheap enough to hold thousands per process. */
  lite?: boolean;
}

interface Incoming {
  message: { seq: number | null; text: string; conversation_id: string };
}

/** What a sender writes into `text`: its send time and step, then padding to the wanted size. */
export function stampText(step: number, n: number, bytes: number): string {
  const head = `t=${nowMs().toFixed(3)};s=${step};n=${n};`;
  return head + "x".repeat(Math.max(0, bytes - head.length));
}

function readStamp(text: string): { t: number; s: number } | null {
  const m = /^t=([\d.]+);s=(\d+);/.exec(text);
  return m ? { t: Number(m[1]), s: Number(m[2]) } : null;
}

const sockets: Socket[] = [];
const lites: LiteSocket[] = [];
/**
 * Per socket and conversation: every seq up to `upTo` has arrived; `ahead` holds those
 * that arrived early. A seq that never arrives stays a hole; one that arrives late counts
 * as reordered, not lost.
 */
interface SeqTrack {
  upTo: number;
  max: number;
  ahead: Set<number>;
}
const lastSeq = new Map<object, Map<string, SeqTrack>>();
let reordered = 0;
let duplicates = 0;
let holesAtBegin = 0;

function holes(): number {
  let n = 0;
  for (const convs of lastSeq.values()) for (const t of convs.values()) n += t.max - t.upTo - t.ahead.size;
  return n;
}
const delivery = new Histogram();
const acks = new Histogram();
let step = 0;
let received = 0;
let stale = 0;
let errors = 0;
const errorKinds: Record<string, number> = {};

function onMessage(s: object, m: { seq: number | null; conversation: string; text: string }) {
  const stamp = readStamp(m.text);
  const seq = m.seq;
  if (seq !== null) {
    // Per conversation, seq must grow by exactly one at every socket: anything else is a gap.
    const convs = lastSeq.get(s)!;
    const t = convs.get(m.conversation);
    if (!t) convs.set(m.conversation, { upTo: seq, max: seq, ahead: new Set() });
    else if (seq <= t.upTo || t.ahead.has(seq)) duplicates++;
    else {
      if (seq < t.max) reordered++;
      t.max = Math.max(t.max, seq);
      if (seq === t.upTo + 1) {
        t.upTo = seq;
        while (t.ahead.delete(t.upTo + 1)) t.upTo++;
      } else t.ahead.add(seq);
    }
  }
  if (!stamp || stamp.s !== step) return void stale++;
  received++;
  delivery.record((nowMs() - stamp.t) * 1000);
}

function connectOne(a: ConnectArgs, i: number): Promise<Socket> {
  const url = a.urls[(i + (a.urlOffset ?? 0)) % a.urls.length]!;
  return connectForSession(url, a.ns, {
    auth: a.auths[i]!,
    localAddress: a.localAddress,
    setUp(s) {
      lastSeq.set(s, new Map());
      s.on("new_message", (p: Incoming) => onMessage(s, { seq: p.message.seq, conversation: p.message.conversation_id, text: p.message.text }));
      s.on("disconnect", (reason) => fail(`disconnect: ${reason}`));
    },
  });
}

function connectLite(a: ConnectArgs, i: number): Promise<LiteSocket> {
  const url = a.urls[(i + (a.urlOffset ?? 0)) % a.urls.length]!;
  const key = {};
  lastSeq.set(key, new Map());
  const s = new LiteSocket(url, a.ns, a.auths[i]!, a.localAddress, {
    onEvent(name, raw) {
      if (name !== "new_message") return;
      const m = peekMessage(raw);
      if (m) onMessage(key, m);
      else fail("unreadable new_message");
    },
    onClose: (reason) => fail(`disconnect: ${reason}`),
  });
  return s.ready.then(() => s);
}

function fail(kind: string) {
  errors++;
  errorKinds[kind] = (errorKinds[kind] ?? 0) + 1;
}

export interface SendArgs {
  /** Messages per second over all this worker's sockets; 0 = closed loop (as fast as acks return). */
  rate: number;
  durationMs: number;
  /** chat_id for each socket (its own DM, or the group). */
  chatIds: string[];
  textBytes: number;
  maxInflight: number;
  step: number;
}

async function send(a: SendArgs) {
  let sent = 0;
  let acked = 0;
  let inflight = 0;
  let overloaded = false;
  const t0 = performance.now();
  const emitOne = (k: number) => {
    const s = sockets[k % sockets.length]!;
    const n = sent++;
    inflight++;
    const payload = { chat_id: a.chatIds[k % sockets.length]!, client_message_id: `b${process.pid}-${a.step}-${n}`, text: stampText(a.step, n, a.textBytes) };
    s.timeout(30_000).emit("send_message", payload, (err: Error | null, res: { ok: boolean; error?: { code: string }; message?: { text: string } }) => {
      inflight--;
      if (err) return fail("ack timeout");
      if (!res.ok) return fail(res.error?.code ?? "error");
      acked++;
      const stamp = readStamp(res.message!.text);
      if (stamp) acks.record((nowMs() - stamp.t) * 1000);
    });
  };

  if (a.rate > 0) {
    // Open loop: the schedule, not the server, decides when to send, so a slow server shows
    // up as latency instead of silently lowering the offered load.
    await new Promise<void>((resolve) => {
      const tick = setInterval(() => {
        const elapsed = performance.now() - t0;
        const due = Math.min(Math.floor((elapsed / 1000) * a.rate), Math.floor((a.durationMs / 1000) * a.rate));
        while (sent < due) {
          if (inflight >= a.maxInflight) {
            overloaded = true;
            break;
          }
          emitOne(sent);
        }
        if (elapsed >= a.durationMs || overloaded) {
          clearInterval(tick);
          resolve();
        }
      }, 2);
    });
  } else {
    // Closed loop: each socket keeps one message in flight, so concurrency = sockets.
    await new Promise<void>((resolve) => {
      const lane = (k: number) => {
        if (performance.now() - t0 >= a.durationMs) return void (inflight === 0 && resolve());
        const s = sockets[k]!;
        const n = sent++;
        inflight++;
        const payload = { chat_id: a.chatIds[k]!, client_message_id: `b${process.pid}-${a.step}-${n}`, text: stampText(a.step, n, a.textBytes) };
        s.timeout(30_000).emit("send_message", payload, (err: Error | null, res: { ok: boolean; error?: { code: string }; message?: { text: string } }) => {
          inflight--;
          if (err) fail("ack timeout");
          else if (!res.ok) fail(res.error?.code ?? "error");
          else {
            acked++;
            const stamp = readStamp(res.message!.text);
            if (stamp) acks.record((nowMs() - stamp.t) * 1000);
          }
          lane(k);
        });
      };
      sockets.forEach((_, k) => lane(k));
    });
  }
  const sendMs = performance.now() - t0;
  // Wait (bounded) for the acks still in flight.
  const until = performance.now() + 10_000;
  while (inflight > 0 && performance.now() < until) await new Promise((r) => setTimeout(r, 20));
  return { sent, acked, inflight, overloaded, send_ms: Math.round(sendMs) };
}

serve({
  async connect(a: ConnectArgs) {
    const t0 = performance.now();
    const batch = 64;
    for (let i = 0; i < a.auths.length; i += batch) {
      const idx = Array.from({ length: Math.min(batch, a.auths.length - i) }, (_, k) => i + k);
      if (a.lite) lites.push(...(await Promise.all(idx.map((k) => connectLite(a, k)))));
      else sockets.push(...(await Promise.all(idx.map((k) => connectOne(a, k)))));
    }
    return { sockets: sockets.length + lites.length, ms: Math.round(performance.now() - t0) };
  },
  /** Starts a new measurement step: only messages stamped with this step count. */
  begin(s: number) {
    step = s;
    received = stale = errors = reordered = duplicates = 0;
    holesAtBegin = holes();
    for (const k of Object.keys(errorKinds)) delete errorKinds[k];
    delivery.reset();
    acks.reset();
  },
  send,
  // gaps: seqs skipped since this step began that have not arrived (yet).
  report: () => ({ received, stale, gaps: holes() - holesAtBegin, reordered, duplicates, errors, error_kinds: { ...errorKinds }, delivery: delivery.toJSON(), acks: acks.toJSON() }),
  async closeAll() {
    for (const s of sockets.splice(0)) {
      s.off("disconnect");
      s.close();
    }
    for (const s of lites.splice(0)) s.close();
    lastSeq.clear();
  },
});
notify("ready");
