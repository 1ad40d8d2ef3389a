// A receive-only Socket.IO client for rooms of thousands: engine.io-client (the transport
// socket.io-client itself uses) plus the few socket.io packet types a member needs,
// parsed with string operations instead of the full decoder. With socket.io-client, a
// load generator spends more CPU per delivery than the server does, so on a small
// machine the benchmark would measure its own clients.
// Packets (socket.io protocol v5 inside engine.io v4 "message" packets, text only):
//   0/ns,{auth}  connect      4/ns,{...}  connect error      1/ns,  disconnect
//   2/ns,["event",payload(,offset)]  event (offset appended by connection-state recovery)
import { Socket as EngineSocket, type SocketOptions } from "engine.io-client";

export interface LiteHandlers {
  /** Called with the event name and the raw packet text (parse what you need). */
  onEvent(name: string, raw: string): void;
  onClose(reason: string): void;
}

export class LiteSocket {
  private engine: EngineSocket;
  private prefix: string;
  /** Resolves once the server has sent `session` (the socket has joined its rooms). */
  ready: Promise<void>;

  constructor(url: string, ns: string, auth: Record<string, unknown>, localAddress: string, h: LiteHandlers) {
    this.prefix = `/${ns},`;
    this.engine = new EngineSocket(url, { path: "/socket.io/", transports: ["websocket"], localAddress } as Partial<SocketOptions>);
    let settle: { resolve(): void; reject(e: Error): void };
    this.ready = new Promise((resolve, reject) => (settle = { resolve, reject }));
    const timer = setTimeout(() => settle.reject(new Error("connect timeout")), 30_000);
    let open = false;

    this.engine.on("open", () => this.engine.send(`0${this.prefix}${JSON.stringify(auth)}`));
    this.engine.on("message", (data) => {
      const s = typeof data === "string" ? data : "";
      const type = s[0];
      if (!s.startsWith(this.prefix, 1)) return;
      if (type === "2") {
        const at = 1 + this.prefix.length + 2; // after `["`
        const name = s.slice(at, s.indexOf('"', at));
        if (name === "session" && !open) {
          open = true;
          clearTimeout(timer);
          settle.resolve();
        }
        h.onEvent(name, s);
      } else if (type === "4") {
        clearTimeout(timer);
        settle.reject(new Error(`connect_error ${s.slice(1 + this.prefix.length)}`));
      } else if (type === "1") {
        h.onClose("server namespace disconnect");
      }
    });
    this.engine.on("close", (reason: string) => {
      clearTimeout(timer);
      if (!open) settle.reject(new Error(`closed before connecting: ${reason}`));
      else h.onClose(reason);
    });
  }

  close() {
    this.engine.close();
  }
}

/** The fields a receiver checks, read straight from a `new_message` packet. */
export function peekMessage(raw: string): { seq: number | null; conversation: string; text: string } | null {
  const seq = /"seq":(\d+|null)/.exec(raw);
  const conv = /"conversation_id":"([^"]*)"/.exec(raw);
  const text = /"text":"(t=[\d.]+;s=\d+;)/.exec(raw);
  if (!seq || !conv || !text) return null;
  return { seq: seq[1] === "null" ? null : Number(seq[1]), conversation: conv[1]!, text: text[1]! };
}
