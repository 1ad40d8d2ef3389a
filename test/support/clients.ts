// Real socket.io-client connections, typed with the server's event maps.
import { io, type Socket } from "socket.io-client";
import type { ClientEvents, ServerEvents, ServerEventName, ServerEventPayload } from "../../src/contract/events.ts";

export type ChatClient = Socket<ServerEvents, ClientEvents>;
export type Transport = "websocket" | "polling";

export function connectClient(url: string, ns: "couples" | "groups" | "dm", token: string | undefined, opts: { transports?: Transport[]; query?: Record<string, string>; reconnection?: boolean } = {}): ChatClient {
  return io(`${url}/${ns}`, {
    auth: token ? { token } : {},
    transports: opts.transports ?? ["websocket"],
    query: opts.query ?? {},
    reconnection: opts.reconnection ?? false,
    forceNew: true,
  }) as ChatClient;
}

/** Resolves once connected; rejects with the server's connect_error (its `data` included). */
export function connected(socket: ChatClient, timeoutMs = 10_000): Promise<ChatClient> {
  return new Promise((resolve, reject) => {
    if (socket.connected) return resolve(socket);
    const timer = setTimeout(() => reject(new Error("connect timeout")), timeoutMs);
    socket.once("connect", () => {
      clearTimeout(timer);
      resolve(socket);
    });
    socket.once("connect_error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

export async function connectAs(url: string, ns: "couples" | "groups" | "dm", token: string, transports: Transport[] = ["websocket"]) {
  return connected(connectClient(url, ns, token, { transports }));
}

/** Emits an event with an ack and resolves with the ack payload. */
export function request<E extends keyof ClientEvents>(socket: ChatClient, event: E, payload: Parameters<ClientEvents[E]>[0], timeoutMs = 10_000): Promise<any> {
  return (socket.timeout(timeoutMs) as any).emitWithAck(event, payload);
}

/** Waits for the next server event matching a predicate. */
export function nextEvent<E extends ServerEventName>(socket: ChatClient, event: E, match: (p: ServerEventPayload<E>) => boolean = () => true, timeoutMs = 10_000): Promise<ServerEventPayload<E>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.off(event as any, handler);
      reject(new Error(`timed out waiting for ${event}`));
    }, timeoutMs);
    const handler = (p: ServerEventPayload<E>) => {
      if (!match(p)) return;
      clearTimeout(timer);
      socket.off(event as any, handler);
      resolve(p);
    };
    socket.on(event as any, handler);
  });
}

/** Collects every payload of an event, for asserting that something did NOT arrive. */
export function collect<E extends ServerEventName>(socket: ChatClient, event: E): ServerEventPayload<E>[] {
  const seen: ServerEventPayload<E>[] = [];
  socket.on(event as any, (p: ServerEventPayload<E>) => seen.push(p));
  return seen;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
