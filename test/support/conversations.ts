// One shape for the three conversation kinds, so a messaging test can run the same
// scenario on a couple chat, a group and a DM: two members, an outsider, the chat id
// the sockets use, the namespace, and every REST path of its message routes.
import { randomUUID } from "node:crypto";
import type { Api } from "./http.ts";
import { connectClient, connected, nextEvent, request, sleep, type ChatClient, type Transport } from "./clients.ts";
import type { Message } from "../../src/contract/models.ts";
import type { ServerEventName, ServerEventPayload, SendMessageInput } from "../../src/contract/events.ts";
import { buildCouple, buildGroup, buildUser, dmIdOf, type TestUser } from "./factories.ts";

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
export async function send(socket: ChatClient, chatId: string, text: string, extra: Partial<SendMessageInput> = {}) {
  const ack = await request(socket, "send_message", { chat_id: chatId, client_message_id: cmid(), text, ...extra });
  if (!ack.ok) throw new Error(`send failed: ${JSON.stringify(ack.error)}`);
  return ack as { ok: true; message: Message; duplicate: boolean };
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
  const handler = (p: ServerEventPayload<E>) => seen.push(p);
  socket.on(event as never, handler as never);
  return { seen, stop: () => socket.off(event as never, handler as never) };
}

/**
 * Lets events that should NOT arrive have their chance to arrive. Socket.IO keeps order
 * per connection, so tests usually also wait for a later event before asserting absence.
 */
export const settle = (ms = 150) => sleep(ms);

/**
 * Cuts the socket's transport the way a network drop would ("transport close", which
 * Socket.IO may recover), runs `whileAway` once the server has noticed, then reconnects
 * with the same session id and resolves with `socket.recovered`.
 */
export async function dropAndReconnect(socket: ChatClient, whileAway: () => Promise<void>): Promise<boolean> {
  socket.io.reconnection(false);
  const gone = new Promise((resolve) => socket.once("disconnect", resolve));
  socket.io.engine.close();
  await gone;
  await sleep(200); // let the server see the close and persist the session
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

/** Waits until the server has let go of every socket (polling clients close asynchronously). */
export async function socketsDrained(io: { of(ns: string): { sockets: Map<string, unknown> } }, timeoutMs = 3000) {
  const deadline = Date.now() + timeoutMs;
  const open = () => ["/couples", "/groups", "/dm"].reduce((n, ns) => n + io.of(ns).sockets.size, 0);
  while (open() > 0 && Date.now() < deadline) await sleep(25);
  return open();
}

/** Stops the stack once the server has let go of every socket, so shutdown never races a closing one. */
export async function stopWhenDrained(stack: { server: { app: { io: Parameters<typeof socketsDrained>[0] } }; stop(): Promise<void> }) {
  await socketsDrained(stack.server.app.io);
  await stack.stop();
}
