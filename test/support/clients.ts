// Real socket.io-client connections, typed with the server's event maps.
import assert from "node:assert/strict";
import { io, type Socket } from "socket.io-client";
import type { AckError, AckResponse, AckResult, ClientEventName, ClientEvents, ClientPayload, ServerEventName, ServerEventPayload, ServerEvents } from "../../src/contract/events.ts";

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

// The socket's own typings resolve an event's ack only for a literal event name, not for a
// generic one; these two are the only places that step outside them.
interface UntypedSocket {
  emit(event: string, ...args: unknown[]): unknown;
  timeout(ms: number): { emitWithAck(event: string, ...args: unknown[]): Promise<unknown> };
  on(event: string, listener: (...args: never[]) => void): unknown;
  off(event: string, listener: (...args: never[]) => void): unknown;
}
const untyped = (socket: ChatClient) => socket as unknown as UntypedSocket;

/** Emits an event with an ack and resolves with the ack: `{ok: true, ...result}` or `{ok: false, error}`. Rejects if none comes in time. */
export async function request<E extends ClientEventName>(socket: ChatClient, event: E, payload: ClientPayload<E>, timeoutMs = 10_000): Promise<AckResponse<AckResult<E>>> {
  // The server's handler tables are typed by the same ClientEvents, so the answer has this type.
  return (await untyped(socket).timeout(timeoutMs).emitWithAck(event, payload)) as AckResponse<AckResult<E>>;
}

/** Like `request`, for an event that must succeed: throws with the error's code and message otherwise. */
export async function requestOk<E extends ClientEventName>(socket: ChatClient, event: E, payload: ClientPayload<E>, timeoutMs?: number): Promise<{ ok: true } & AckResult<E>> {
  const res = await request(socket, event, payload, timeoutMs);
  if (!res.ok) throw new Error(`${event} failed with ${res.error.code}: ${res.error.message} (payload ${JSON.stringify(payload)})`);
  return res;
}

/** Like `request`, for an event that must be refused: throws if it succeeds, and returns the error `{code, message}`. */
export async function requestError<E extends ClientEventName>(socket: ChatClient, event: E, payload: ClientPayload<E>, timeoutMs?: number): Promise<AckError> {
  const res = await request(socket, event, payload, timeoutMs);
  if (res.ok) throw new Error(`${event} succeeded but should have been refused: ${JSON.stringify(res)} (payload ${JSON.stringify(payload)})`);
  return res.error;
}

/** One event with a payload of its own type: a list of these can mix events and stay typed. */
export type AnyRequest = { [E in ClientEventName]: [event: E, payload: ClientPayload<E>] }[ClientEventName];

/** "ok", or the error code of a refused ack: to compare a run of acks in one assertion. */
export const ackCode = (res: AckResponse): string => (res.ok ? "ok" : res.error.code);

/**
 * UNTYPED, for tests that send what the contract does not allow (wrong types, unknown
 * events, extra or missing arguments): emits `event` with `args` followed by an ack
 * callback, and resolves with whatever comes back. Check it with `assertAck` or `ackError`.
 */
export function requestRaw(socket: ChatClient, event: string, ...args: unknown[]): Promise<unknown> {
  return untyped(socket).timeout(10_000).emitWithAck(event, ...args);
}

/** UNTYPED emit without an ack, any arguments (callbacks included), for the same kind of test. */
export function emitRaw(socket: ChatClient, event: string, ...args: unknown[]): void {
  untyped(socket).emit(event, ...args);
}

/** Asserts that an untyped answer has the shape every ack has: `{ok: true, ...}` or `{ok: false, error: {code, message}}`. */
export function assertAck(res: unknown, what = "ack"): asserts res is AckResponse<Record<string, unknown>> {
  const shown = `${what}: ${JSON.stringify(res)}`;
  assert.ok(typeof res === "object" && res !== null && "ok" in res && typeof res.ok === "boolean", shown);
  if (res.ok === false) {
    assert.ok("error" in res && typeof res.error === "object" && res.error !== null, shown);
    const error = res.error;
    assert.ok("code" in error && typeof error.code === "string" && "message" in error && typeof error.message === "string", shown);
  }
}

/** Asserts that an untyped answer is an error ack, and returns its `{code, message}`. */
export function ackError(res: unknown, what = "ack"): AckError {
  assertAck(res, what);
  if (res.ok) assert.fail(`${what}: expected an error ack, got ${JSON.stringify(res)}`);
  return res.error;
}

/** UNTYPED listener, for what the server emits outside the contract (test markers); returns the function that stops listening. */
export function listenRaw(socket: ChatClient, event: string, handler: (...args: unknown[]) => void): () => void {
  untyped(socket).on(event, handler);
  return () => untyped(socket).off(event, handler);
}

/** Listens to a server event with its payload type; returns the function that stops listening. */
export function listen<E extends ServerEventName>(socket: ChatClient, event: E, handler: (p: ServerEventPayload<E>) => void): () => void {
  untyped(socket).on(event, handler);
  return () => untyped(socket).off(event, handler);
}

/** Waits for the next server event matching a predicate. */
export function nextEvent<E extends ServerEventName>(socket: ChatClient, event: E, match: (p: ServerEventPayload<E>) => boolean = () => true, timeoutMs = 10_000): Promise<ServerEventPayload<E>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`timed out waiting for ${event}`));
    }, timeoutMs);
    const stop = listen(socket, event, (p) => {
      if (!match(p)) return;
      clearTimeout(timer);
      stop();
      resolve(p);
    });
  });
}

/** Collects every payload of an event, for asserting that something did NOT arrive. */
export function collect<E extends ServerEventName>(socket: ChatClient, event: E): ServerEventPayload<E>[] {
  const seen: ServerEventPayload<E>[] = [];
  listen(socket, event, (p) => seen.push(p));
  return seen;
}
