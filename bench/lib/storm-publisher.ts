// Publisher child for the reconnect storm: one socket.io-client that sends to the groups
// round-robin at a fixed rate for as long as it is told, and retries an unacked send with
// the same client_message_id (as a real client does), so each message is stored once.
// What counts is what the server acked: the seqs every member must end up with.
import { randomUUID } from "node:crypto";
import { io, type Socket } from "socket.io-client";
import { notify, serve } from "./ipc.ts";

interface Ack {
  ok: boolean;
  message?: { seq: number | null };
  error?: { code: string };
}

let socket: Socket | undefined;
let running = false;
let loop: Promise<void> = Promise.resolve();
const acked: Record<string, number[]> = {};
let retries = 0;
let failures = 0;
/** Once stopped, a send still unacked by then is given up (counted, not expected anywhere). */
let giveUpAt = Infinity;

async function sendOnce(chatId: string, text: string): Promise<void> {
  const client_message_id = randomUUID();
  for (let attempt = 0; attempt < 50 && Date.now() < giveUpAt; attempt++) {
    const res = (await socket!.timeout(5000).emitWithAck("send_message", { chat_id: chatId, client_message_id, text }).catch(() => null)) as Ack | null;
    if (res?.ok && res.message?.seq != null) return void (acked[chatId] ??= []).push(res.message.seq);
    retries++;
    await new Promise((r) => setTimeout(r, 200));
  }
  failures++;
}

serve({
  async connect(a: { url: string; auth: Record<string, unknown> }) {
    socket = io(`${a.url}/groups`, { auth: a.auth, transports: ["websocket"], forceNew: true });
    await new Promise<void>((resolve, reject) => {
      socket!.once("session", () => resolve());
      socket!.once("connect_error", (e) => reject(e));
    });
  },
  /** Starts sending `rate` messages per second over `chatIds`, until `stop`. */
  start(a: { chatIds: string[]; rate: number; textBytes: number }) {
    running = true;
    const gap = 1000 / a.rate;
    loop = (async () => {
      const inflight = new Set<Promise<void>>();
      const t0 = performance.now();
      for (let n = 0; running; n++) {
        const wait = t0 + n * gap - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        const text = `storm ${n} `.padEnd(a.textBytes, "x");
        const p = sendOnce(a.chatIds[n % a.chatIds.length]!, text).finally(() => inflight.delete(p));
        inflight.add(p);
      }
      await Promise.all(inflight);
    })();
  },
  async stop() {
    running = false;
    giveUpAt = Date.now() + 20_000;
    await loop;
    const sent = Object.values(acked).reduce((n, s) => n + s.length, 0);
    return { acked, sent, retries, failures };
  },
  close() {
    socket?.close();
  },
});
notify("ready");
