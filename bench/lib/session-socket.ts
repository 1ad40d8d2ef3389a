// A load generator's socket that counts as connected only once the server sent `session`:
// the server sends it after the socket has joined its rooms, so from then on it is a member
// and misses nothing live. No reconnection: a benchmark counts a drop, it does not hide it.
import { io, type Socket } from "socket.io-client";

export interface SessionSocketOptions {
  auth: Record<string, unknown>;
  localAddress: string;
  /** Listeners to attach before anything can arrive (called right after the socket is made). */
  setUp?: (s: Socket) => void;
  timeoutMs?: number;
  /** The error message of a timeout. */
  timeoutMessage?: string;
}

export function connectForSession(url: string, ns: string, o: SessionSocketOptions): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = io(`${url}/${ns}`, { auth: o.auth, transports: ["websocket"], forceNew: true, reconnection: false, localAddress: o.localAddress } as Parameters<typeof io>[1]);
    const timer = setTimeout(() => reject(new Error(o.timeoutMessage ?? "connect timeout")), o.timeoutMs ?? 30_000);
    o.setUp?.(s);
    s.once("session", () => {
      clearTimeout(timer);
      resolve(s);
    });
    s.once("connect_error", (e: Error & { data?: { message?: string } }) => {
      clearTimeout(timer);
      reject(new Error(e.data?.message ?? e.message));
    });
  });
}
