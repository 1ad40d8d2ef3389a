// Load-generator child for the idle-connection benchmark: opens many real socket.io-client
// WebSocket connections from one loopback source address (each worker gets its own
// 127.0.0.x, so the ~28k ephemeral ports per address never run out) and holds them.
import { io, type Socket } from "socket.io-client";
import { notify, serve } from "./ipc.ts";

export interface OpenArgs {
  url: string;
  ns: string;
  count: number;
  /** Our app: access tokens, reused round-robin. Baseline: none (a uid is made up). */
  tokens?: string[];
  localAddress: string;
  concurrency: number;
  timeoutMs: number;
  /** Index of the first connection, so uids stay unique across waves and workers. */
  first: number;
}

const sockets: Socket[] = [];
let dropped = 0;

function openOne(a: OpenArgs, i: number): Promise<string | null> {
  return new Promise((resolve) => {
    const auth = a.tokens?.length ? { token: a.tokens[i % a.tokens.length] } : { uid: `u${i}` };
    const s = io(`${a.url}/${a.ns}`, {
      auth,
      transports: ["websocket"],
      forceNew: true,
      reconnection: false,
      timeout: a.timeoutMs,
      localAddress: a.localAddress,
    } as Parameters<typeof io>[1]);
    const timer = setTimeout(() => done("timeout"), a.timeoutMs);
    function done(err: string | null) {
      clearTimeout(timer);
      s.off("connect").off("connect_error");
      if (err) s.close();
      else {
        sockets.push(s);
        s.once("disconnect", () => dropped++);
      }
      resolve(err);
    }
    s.once("connect", () => done(null));
    s.once("connect_error", (e: Error & { data?: { code?: string } }) => done(e.data?.code ?? e.message));
  });
}

serve({
  async open(a: OpenArgs) {
    const t0 = performance.now();
    const errors = new Map<string, number>();
    let next = 0;
    let opened = 0;
    const lane = async () => {
      while (next < a.count) {
        const i = a.first + next++;
        const err = await openOne(a, i);
        if (err) errors.set(err, (errors.get(err) ?? 0) + 1);
        else opened++;
      }
    };
    await Promise.all(Array.from({ length: Math.min(a.concurrency, a.count) }, lane));
    return { opened, failed: a.count - opened, errors: Object.fromEntries(errors), ms: Math.round(performance.now() - t0) };
  },
  status: () => ({ held: sockets.length - dropped, dropped }),
  async closeAll() {
    for (const s of sockets.splice(0)) s.close();
    dropped = 0;
  },
});
notify("ready");
