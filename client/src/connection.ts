// One Socket.IO Manager (one Engine.IO connection: WebSocket, or long-polling) carrying the
// namespaces the app uses. Socket.IO reconnects transport failures by itself with its
// backoff; this adds what it cannot know: the current access token on every handshake
// (`auth` is a function), and a way back after the server refused or ended a socket
// (expired token → refresh first; revoked session → stop for good).
// The only runtime import of the package is here.
import { Manager, type Socket } from "socket.io-client";
import type { ClientEvents, ServerEvents } from "../../src/contract/events.ts";
import { backoffDelay, quietTimeout } from "./backoff.ts";
import type { Namespace } from "./paths.ts";
import type { ChatClientOptions } from "./types.ts";

/** A namespace's socket, typed by the server's contract. */
export type ChatSocket = Socket<ServerEvents, ClientEvents>;

/** The `data` the server attaches to a refused handshake (handlers/socket-auth.ts). */
export interface ConnectErrorData {
  code?: string;
  message?: string;
}

/** What the connection tells the client. */
export interface ConnectionHooks {
  /** The access token for the next handshake (refreshed first if about to expire). */
  token(): Promise<string>;
  event(ns: Namespace, event: string, payload: unknown): void;
  connect(ns: Namespace): void;
  disconnect(ns: Namespace, reason: string): void;
  /**
   * The server refused the handshake or ended the socket; resolves true to try again
   * (after the client refreshed its token), false to stay down (the session ended).
   */
  refused(ns: Namespace, code: string | undefined): Promise<boolean>;
}

/** The sockets of one client; see the file comment. */
export function createConnection(o: Pick<ChatClientOptions, "url" | "transports" | "socketOptions"> & { namespaces: readonly Namespace[] }, h: ConnectionHooks) {
  const manager = new Manager(o.url, {
    reconnectionDelay: 500,
    reconnectionDelayMax: 5_000,
    ...o.socketOptions,
    ...(o.transports ? { transports: o.transports } : {}),
    autoConnect: false,
  });
  const sockets = new Map<Namespace, ChatSocket>();
  const retries = new Map<Namespace, number>();
  let closed = false;

  /** After a refusal: refresh (the hook), then connect again with a growing pause. */
  function comeBack(ns: Namespace, socket: ChatSocket, code: string | undefined) {
    const attempt = retries.get(ns) ?? 0;
    retries.set(ns, attempt + 1);
    void h.refused(ns, code).then((again) => {
      if (!again || closed) return;
      quietTimeout(() => {
        if (!closed && !socket.connected && !socket.active) socket.connect();
      }, backoffDelay({ minMs: 500, maxMs: 15_000 }, attempt));
    });
  }

  for (const ns of o.namespaces) {
    const socket = manager.socket(`/${ns}`, {
      // A function, so every handshake (a recovery's included) presents the current token.
      auth: (cb) => {
        h.token().then(
          (token) => cb({ token }),
          () => cb({}),
        );
      },
    }) as ChatSocket;
    sockets.set(ns, socket);
    socket.on("connect", () => {
      retries.delete(ns);
      h.connect(ns);
    });
    socket.on("disconnect", (reason) => {
      h.disconnect(ns, reason);
      // The server ended this socket on purpose (token expired, rate limit, revoked):
      // Socket.IO will not come back by itself. `session_ended` told the reason first.
      if (reason === "io server disconnect" && !closed) comeBack(ns, socket, undefined);
    });
    socket.on("connect_error", (err) => {
      // A refusal by the auth middleware leaves the socket inactive (no automatic retry);
      // a transport error keeps it active and Socket.IO retries by itself.
      if (socket.active || closed) return;
      comeBack(ns, socket, (err as Error & { data?: ConnectErrorData }).data?.code);
    });
    (socket as unknown as { onAny(fn: (event: string, payload: unknown) => void): void }).onAny((event, payload) => h.event(ns, event, payload));
  }

  return {
    manager,
    sockets,
    /** Opens every namespace's socket. */
    connect() {
      closed = false;
      for (const s of sockets.values()) if (!s.connected && !s.active) s.connect();
    },
    /** Closes every socket for good (no reconnection). */
    close() {
      closed = true;
      for (const s of sockets.values()) s.disconnect();
    },
    get closed() {
      return closed;
    },
  };
}

/** The sockets of one client. */
export type Connection = ReturnType<typeof createConnection>;
