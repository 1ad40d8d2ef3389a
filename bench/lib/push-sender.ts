// Load-generator child for the push benchmark: one user online with one socket on /dm and
// one on /groups, sending `send_message` open loop (a fixed clock decides when each message
// goes, never the previous ack) round-robin into a list of conversations. Each message's
// text starts with its send time, step and number (`t=<ms>;s=<step>;n=<n>;`), which comes
// back in the ack (ack latency) and in the push preview (push latency, push-service-child.ts).
import type { Socket } from "socket.io-client";
import { Histogram, nowMs, type HistogramData } from "./histogram.ts";
import { notify, serve } from "./ipc.ts";
import { connectForSession } from "./session-socket.ts";

export interface PushTarget {
  ns: "dm" | "groups";
  chatId: string;
}

export interface PushSendArgs {
  rate: number;
  durationMs: number;
  targets: PushTarget[];
  step: number;
  textBytes: number;
}

export interface PushSendResult {
  sent: number;
  acked: number;
  /** Message numbers whose ack said ok (message n went to targets[n % targets.length]). */
  acked_numbers: number[];
  errors: number;
  error_kinds: Record<string, number>;
  acks: HistogramData;
  send_ms: number;
  /** How far behind its schedule the sender emitted, at worst (a busy load generator shows here). */
  schedule_lag_max_ms: number;
}

const sockets = new Map<string, Socket>();

function connectOne(url: string, ns: string, token: string): Promise<Socket> {
  return connectForSession(url, ns, { auth: { token }, localAddress: "127.0.0.40", timeoutMessage: `connect /${ns} timeout` });
}

export function stamp(step: number, n: number, bytes: number): string {
  const head = `t=${nowMs().toFixed(3)};s=${step};n=${n};`;
  return head + "x".repeat(Math.max(0, bytes - head.length));
}

async function send(a: PushSendArgs): Promise<PushSendResult> {
  const acks = new Histogram();
  const ackedNumbers: number[] = [];
  const errorKinds: Record<string, number> = {};
  let sent = 0;
  let errors = 0;
  let inflight = 0;
  let lagMax = 0;
  let disconnected = "";
  const fail = (kind: string) => {
    errors++;
    errorKinds[kind] = (errorKinds[kind] ?? 0) + 1;
  };
  for (const [ns, s] of sockets) s.once("disconnect", (reason) => (disconnected ||= `/${ns} disconnect: ${reason}`));
  const total = Math.floor((a.durationMs / 1000) * a.rate);
  const t0 = performance.now();
  const emitOne = (n: number) => {
    const target = a.targets[n % a.targets.length]!;
    const s = sockets.get(target.ns)!;
    inflight++;
    const text = stamp(a.step, n, a.textBytes);
    const t = nowMs();
    s.timeout(30_000).emit("send_message", { chat_id: target.chatId, client_message_id: `p${process.pid}-${a.step}-${n}`, text }, (err: Error | null, res: { ok: boolean; error?: { code: string } }) => {
      inflight--;
      if (err) return fail("ack timeout");
      if (!res.ok) return fail(res.error?.code ?? "error");
      acks.record((nowMs() - t) * 1000);
      ackedNumbers.push(n);
    });
  };
  // Open loop: message n is due at t0 + n / rate, whatever the acks do.
  await new Promise<void>((resolve) => {
    const tick = setInterval(() => {
      const elapsed = performance.now() - t0;
      const due = Math.min(total, Math.floor((elapsed / 1000) * a.rate) + 1);
      if (sent < due) lagMax = Math.max(lagMax, elapsed - (sent * 1000) / a.rate);
      while (sent < due) emitOne(sent++);
      if (sent >= total) {
        clearInterval(tick);
        resolve();
      }
    }, 1);
  });
  const sendMs = performance.now() - t0;
  const until = performance.now() + 30_000;
  while (inflight > 0 && performance.now() < until) await new Promise((r) => setTimeout(r, 10));
  for (const s of sockets.values()) s.off("disconnect");
  if (disconnected) fail(disconnected);
  if (inflight > 0) fail(`${inflight} acks never came`);
  return { sent, acked: ackedNumbers.length, acked_numbers: ackedNumbers, errors, error_kinds: errorKinds, acks: acks.toJSON(), send_ms: Math.round(sendMs), schedule_lag_max_ms: Math.round(lagMax * 100) / 100 };
}

serve({
  async connect(a: { url: string; token: string }) {
    for (const ns of ["dm", "groups"]) sockets.set(ns, await connectOne(a.url, ns, a.token));
    return sockets.size;
  },
  send,
  close() {
    for (const s of sockets.values()) s.close();
    sockets.clear();
  },
});
notify("ready");
