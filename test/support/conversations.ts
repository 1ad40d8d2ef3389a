// One shape for the three conversation kinds, so a messaging test can run the same
// scenario on a couple chat, a group and a DM: two members, an outsider, the chat id
// the sockets use, the namespace, and every REST path of its message routes.
import { randomUUID } from "node:crypto";
import type { Api } from "./http.ts";
import { connectClient, connected, listen, listenRaw, nextEvent, requestOk, type ChatClient, type Transport } from "./clients.ts";
import type { Message } from "../../src/contract/models.ts";
import type { ServerEventName, ServerEventPayload, SendMessageInput } from "../../src/contract/events.ts";
import { buildCouple, buildGroup, buildUser, dmIdOf, type TestUser } from "./factories.ts";
import { openSockets, serverIdle, until, waitFor, type ServerInternals } from "./wait.ts";
import type { App } from "../../src/app.ts";

export type Kind = "couple" | "group" | "dm";
export type Ns = "couples" | "groups" | "dm";
export const KINDS: Kind[] = ["couple", "group", "dm"];
export const nsOf: Record<Kind, Ns> = { couple: "couples", group: "groups", dm: "dm" };

export interface MessagePaths {
  latest(count?: number): string;
  history(query?: Record<string, string | number>): string;
  post: string;
  item(messageId: string): string;
  reactions(messageId: string): string;
  byId(messageId: string): string;
  byTs(timestamp: string): string;
  read: string;
}

export interface Conversation {
  kind: Kind;
  ns: Ns;
  id: string;
  a: TestUser;
  b: TestUser;
  outsider: TestUser;
  paths: MessagePaths;
}

const qs = (q: Record<string, string | number> = {}) => {
  const s = new URLSearchParams(Object.entries(q).map(([k, v]) => [k, String(v)])).toString();
  return s ? `?${s}` : "";
};

export function messagePaths(kind: Kind, id: string): MessagePaths {
  const e = encodeURIComponent;
  if (kind === "couple") {
    const base = `/api/chats/${id}`;
    return {
      latest: (n) => `${base}/messages/latest${n === undefined ? "" : `?count=${n}`}`,
      history: (q) => `${base}/messages${qs(q)}`,
      post: `${base}/messages`,
      item: (m) => `${base}/messages/${m}`,
      reactions: (m) => `${base}/messages/${m}/reactions`,
      byId: (m) => `${base}/messages/${m}`,
      byTs: (t) => `${base}/messages/by-ts/${e(t)}`,
      read: `${base}/read`,
    };
  }
  const base = kind === "group" ? `/api/messages/${id}` : `/api/dm/${e(id)}`;
  return {
    latest: (n) => `${base}/latest${n === undefined ? "" : `?count=${n}`}`,
    history: (q) => `${base}/history${qs(q)}`,
    post: kind === "group" ? base : `${base}/message`,
    item: (m) => `${base}/${m}`,
    reactions: (m) => `${base}/${m}/reactions`,
    byId: (m) => `${base}/by-id/${m}`,
    byTs: (t) => `${base}/by-ts/${e(t)}`,
    read: `${base}/read`,
  };
}

/** Two members and an outsider around a new conversation of the given kind (a private group for groups). */
export async function buildConversation(api: Api, kind: Kind): Promise<Conversation> {
  let a: TestUser, b: TestUser, id: string;
  if (kind === "couple") {
    ({ a, b, chatId: id } = await buildCouple(api));
  } else {
    a = await buildUser(api);
    b = await buildUser(api);
    id = kind === "group" ? await buildGroup(api, a, [b]) : dmIdOf(a, b);
  }
  const outsider = await buildUser(api);
  return { kind, ns: nsOf[kind], id, a, b, outsider, paths: messagePaths(kind, id) };
}

export const cmid = () => `c-${randomUUID()}`;

/** Sends over a socket and fails loudly unless the ack is ok. */
export function send(socket: ChatClient, chatId: string, text: string, extra: Partial<SendMessageInput> = {}) {
  return requestOk(socket, "send_message", { chat_id: chatId, client_message_id: cmid(), text, ...extra });
}

/** Posts over REST and fails loudly unless it was stored. */
export async function post(api: Api, c: Pick<Conversation, "paths">, user: TestUser, text: string) {
  const res = await api.post(c.paths.post, { text }, user.token);
  if (res.status !== 201) throw new Error(`post failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as Message;
}

/**
 * Connects and waits for the server's `session` event, which it sends once the socket's
 * setup is done (rooms joined, presence registered): from then on nothing can be missed.
 */
export async function connectReady(url: string, ns: Ns, token: string, transports: Transport[] = ["websocket"]): Promise<ChatClient> {
  const socket = connectClient(url, ns, token, { transports });
  const ready = nextEvent(socket, "session");
  await connected(socket);
  await ready;
  return socket;
}

/** Sockets for the two members and the outsider, in the conversation's namespace. */
export async function connectTrio(url: string, c: Conversation, transports: Transport[] = ["websocket"]) {
  const [sa, sb, so] = await Promise.all([c.a, c.b, c.outsider].map((u) => connectReady(url, c.ns, u.token, transports)));
  return { sa: sa!, sb: sb!, so: so!, close: () => closeAll(sa!, sb!, so!) };
}

export function closeAll(...sockets: ChatClient[]) {
  for (const s of sockets) s.close();
}

/** Records every payload of `event` from now on; `stop` detaches the listener. */
export function record<E extends ServerEventName>(socket: ChatClient, event: E) {
  const seen: ServerEventPayload<E>[] = [];
  const stop = listen(socket, event, (p) => seen.push(p));
  return { seen, stop };
}

/** What `flush` emits: not an event of the contract, so no client code listens to it. */
export const FLUSH_EVENT = "test_flush";
let flushes = 0;

/**
 * The barrier before asserting that an event did NOT reach these sockets: `via` (the node
 * whose emits are in question) emits a marker to each socket through its adapter, the path
 * every broadcast takes (with Redis, the adapter delivers a broadcast once Redis has
 * ordered it, so broadcasts reach sockets in the order they were made). Once each marker
 * is in, whatever that node emitted to the socket before the call has arrived: a
 * connection keeps its order. Call it once the wanted events have arrived elsewhere, so
 * that the unwanted ones, if any, were emitted before.
 */
export async function flush(via: Pick<App, "io">, ...sockets: ChatClient[]) {
  await Promise.all(
    sockets.map((socket) => {
      const id = socket.id;
      if (id === undefined) throw new Error("flush: the socket is not connected");
      const n = ++flushes;
      const arrived = new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`flush: marker ${n} did not reach socket ${id}`)), 10_000);
        const stop = listenRaw(socket, FLUSH_EVENT, (m) => {
          if (m !== n) return;
          clearTimeout(timer);
          stop();
          resolve();
        });
      });
      // `nsp` is the client socket's namespace ("/groups"), kept private by its typings; the
      // marker is no event of ServerEvents, so it is emitted untyped.
      const ns = (socket as unknown as { nsp: string }).nsp;
      (via.io.of(ns).to(id) as unknown as { emit(event: string, ...args: unknown[]): boolean }).emit(FLUSH_EVENT, n);
      return arrived;
    }),
  );
}

/** Whether the server still holds a socket of this id, in any namespace. */
const serverHolds = (app: Pick<ServerInternals, "io">, id: string) => ["/couples", "/groups", "/dm"].some((ns) => app.io.of(ns).sockets.has(id));

/**
 * Waits until the server has handled the close of the socket that had this id: gone from
 * its namespace (its session persisted, if recoverable) and its disconnect work (presence)
 * done, so whatever that close makes the server send has been sent.
 */
export async function serverSawClose(app: ServerInternals, id: string | undefined) {
  if (id === undefined) throw new Error("the socket had no id: it never connected");
  await waitFor(() => !serverHolds(app, id) && app.services.inflight.count === 0, `the server to handle the close of socket ${id}`, 5000);
}

/** Closes the socket and waits until the server has handled it (see serverSawClose). */
export async function closeAndSettle(app: ServerInternals, socket: ChatClient) {
  const id = socket.id;
  socket.close();
  await serverSawClose(app, id);
}

/**
 * Cuts the socket's transport the way a network drop would ("transport close", which
 * Socket.IO may recover), runs `whileAway` once the server has noticed, then reconnects
 * with the same session id and resolves with `socket.recovered`.
 */
export async function dropAndReconnect(app: ServerInternals, socket: ChatClient, whileAway: () => Promise<void>): Promise<boolean> {
  socket.io.reconnection(false);
  const id = socket.id;
  const gone = new Promise((resolve) => socket.once("disconnect", resolve));
  socket.io.engine.close();
  await gone;
  await serverSawClose(app, id); // the server has seen the close and persisted the session
  await whileAway();
  const back = new Promise<void>((resolve, reject) => {
    socket.once("connect", () => resolve());
    socket.once("connect_error", reject);
  });
  const ready = nextEvent(socket, "session");
  socket.connect();
  await back;
  await ready;
  return socket.recovered;
}

/** The user's unread count for the conversation, from where each kind lists it. */
export async function unreadCount(api: Api, c: Conversation, user: TestUser): Promise<number> {
  if (c.kind === "couple") return (await api.get(`/api/chats/${c.id}`, user.token)).body.unread_count;
  if (c.kind === "group") {
    const groups = (await api.get("/api/groups?mine=true", user.token)).body.groups as { id: string; unread_count: number }[];
    return groups.find((g) => g.id === c.id)!.unread_count;
  }
  const threads = (await api.get("/api/dm/threads", user.token)).body.threads as { dm_id: string; unread_count: number }[];
  return threads.find((t) => t.dm_id === c.id)!.unread_count;
}

/** Waits until the server has let go of every socket (polling clients close asynchronously); resolves with how many are left. */
export async function socketsDrained(io: ServerInternals["io"], timeoutMs = 3000) {
  await until(() => openSockets({ io }) === 0, timeoutMs, 25);
  return openSockets({ io });
}

/** Stops the stack once the server has let go of every socket and handled their disconnects, so shutdown never races a closing one. */
export async function stopWhenDrained(stack: { server: { app: ServerInternals }; stop(): Promise<void> }) {
  await serverIdle(stack.server.app, 3000);
  await stack.stop();
}
