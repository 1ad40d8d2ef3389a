// @ts-check
// One Socket.IO connection (a Manager) carrying the three namespaces. Socket.IO reconnects
// by itself with backoff; we add what it cannot know: a fresh access token on every
// (re)connect attempt, a token refresh when the server refuses an expired one, and the
// transport choice (`?transport=polling` forces long-polling, as behind a proxy that
// blocks WebSocket).

import { Manager } from "./vendor/socket.io.js";

/** @typedef {import("./types.js").Namespace} Namespace */
/** @typedef {import("./types.js").ServerEvents} ServerEvents */
/** @typedef {import("./types.js").ClientEvents} ClientEvents */
/** @typedef {import("./vendor/socket.io.js").Socket<ServerEvents, ClientEvents>} ChatSocket */
/** @typedef {import("./catch-up.js").SessionInfo} SessionInfo */

/** @type {Namespace[]} */
export const NAMESPACES = ["couples", "groups", "dm"];

/** @param {string} search location.search @returns {("polling" | "websocket")[] | undefined} */
export function transportsFrom(search) {
  const t = new URLSearchParams(search).get("transport");
  if (t === "polling") return ["polling"];
  if (t === "websocket") return ["websocket"];
  return undefined; // Socket.IO's default: start with polling, upgrade to WebSocket
}

/**
 * @param {{
 *   url: string,
 *   transports: ("polling" | "websocket")[] | undefined,
 *   token: () => Promise<string>,
 *   refreshToken: () => Promise<unknown>,
 *   onEvent: (ns: Namespace, event: string, payload: any) => void,
 *   onSession: (ns: Namespace, session: SessionInfo, recovered: boolean) => void,
 *   onConnect: (ns: Namespace) => void,
 *   onDisconnect: (ns: Namespace, reason: string) => void,
 *   onStatus: (status: { connected: number, transport: string, error?: string }) => void,
 * }} o
 */
export function createRealtime(o) {
  const manager = new Manager(o.url, {
    ...(o.transports ? { transports: o.transports } : {}),
    reconnectionDelay: 500,
    reconnectionDelayMax: 5_000,
    autoConnect: false,
  });
  /** @type {Map<Namespace, ChatSocket>} */
  const sockets = new Map();
  let transport = "";
  /** @type {string | undefined} */
  let lastError;

  const status = () => o.onStatus({ connected: [...sockets.values()].filter((s) => s.connected).length, transport, ...(lastError ? { error: lastError } : {}) });

  manager.on("open", () => {
    const engine = manager.engine;
    transport = engine.transport.name;
    engine.on("upgrade", () => {
      transport = engine.transport.name;
      status();
    });
    status();
  });
  manager.on("reconnect_attempt", () => status());

  for (const ns of NAMESPACES) {
    /** @type {ChatSocket} */
    const socket = manager.socket(`/${ns}`, {
      // A function, so every reconnect attempt presents the current (refreshed) token.
      auth: (cb) => {
        o.token().then(
          (token) => cb({ token }),
          () => cb({}),
        );
      },
    });
    sockets.set(ns, socket);

    socket.on("connect", () => {
      lastError = undefined;
      o.onConnect(ns);
      status();
    });
    socket.on("disconnect", (reason) => {
      o.onDisconnect(ns, reason);
      status();
      // The server ended this socket on purpose (rate limit, token expired): Socket.IO will
      // not come back by itself; try again after a pause (with a fresh token, see auth above).
      // A revoked session is told by `session_ended`, and the next connect is refused.
      if (reason === "io server disconnect") window.setTimeout(() => socket.connect(), 2_000);
    });
    socket.on("connect_error", (err) => {
      const data = /** @type {{ data?: { code?: string, message?: string } }} */ (err).data;
      lastError = data?.message ?? err.message;
      status();
      // Refused by the auth middleware: Socket.IO does not retry those (socket.active is
      // false). Refresh the token and connect again; a transport error retries by itself.
      if (!socket.active) {
        const retry = () => window.setTimeout(() => socket.connect(), 1_000);
        if (data?.code === "token_expired" || data?.code === "unauthorized") o.refreshToken().then(retry, () => {});
        else retry();
      }
    });
    socket.on("session", (s) => o.onSession(ns, s, socket.recovered));
    socket.onAny((event, payload) => {
      if (event !== "session") o.onEvent(ns, event, payload);
    });
  }

  return {
    connect() {
      for (const s of sockets.values()) s.connect();
    },
    close() {
      for (const s of sockets.values()) s.disconnect();
    },
    /** @param {Namespace} ns */
    connected: (ns) => Boolean(sockets.get(ns)?.connected),
    /** Hands a fresh access token of this session to every open socket. @param {string} token */
    reauth(token) {
      for (const s of sockets.values()) if (s.connected) /** @type {any} */ (s).emit("auth", { token }, () => {});
    },
    get transport() {
      return transport;
    },
    /**
     * Emits with an ack and a timeout; resolves with the ack (`{ok, ...}`) or rejects on timeout.
     * @template {keyof ClientEvents} E
     * @param {Namespace} ns
     * @param {E} event
     * @param {Parameters<ClientEvents[E]>[0]} payload
     * @param {number} [timeoutMs]
     * @returns {Promise<any>}
     */
    request(ns, event, payload, timeoutMs = 10_000) {
      const socket = /** @type {ChatSocket} */ (sockets.get(ns));
      if (!socket.connected) return Promise.reject(new Error("not connected"));
      return /** @type {any} */ (socket.timeout(timeoutMs)).emitWithAck(event, payload);
    },
    /** Fire-and-forget (typing). @template {keyof ClientEvents} E @param {Namespace} ns @param {E} event @param {Parameters<ClientEvents[E]>[0]} payload */
    send(ns, event, payload) {
      const socket = /** @type {ChatSocket} */ (sockets.get(ns));
      if (socket.connected) /** @type {any} */ (socket).emit(event, payload);
    },
  };
}

/** @typedef {ReturnType<typeof createRealtime>} Realtime */
