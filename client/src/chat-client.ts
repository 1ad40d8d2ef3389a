// createChatClient: composes the parts (auth.ts, http.ts, connection.ts, catch-up.ts,
// outbox.ts, conversation-view.ts, unread.ts) and routes every server event, live or synced, through
// one function, so the paths cannot disagree. No globals: a load generator holds thousands
// of clients in one process, each with its own Manager, store and state.
import type { AckResult, ServerEventPayload } from "../../src/contract/events.ts";
import type { Message } from "../../src/contract/models.ts";
import { ackResult, emitWithAck, pushToken } from "./acks.ts";
import { createAuth, type LogoutReason } from "./auth.ts";
import { createCatchUp, type SyncEvent } from "./catch-up.ts";
import type { ChatClient, SendArgs } from "./client-api.ts";
import { createConnection } from "./connection.ts";
import { Conversation, type Presence } from "./conversation-view.ts";
import { AUTH_CODES, ChatError, toChatError } from "./errors.ts";
import { Emitter } from "./emitter.ts";
import { createEventRouter } from "./event-router.ts";
import { createHttp, type ApiInit } from "./http.ts";
import { createOutbox, newClientMessageId } from "./outbox.ts";
import { conversationKey, NAMESPACES, type Namespace } from "./paths.ts";
import { connectionStats, NEW_BY_SOURCE, newStats } from "./stats.ts";
import { memoryStore } from "./stores.ts";
import { createUnread } from "./unread.ts";
import type { ChatClientEvents, ChatClientOptions, OutboxEntry } from "./types.ts";

/**
 * Creates a chat client: logs in (or takes the given tokens, or those in the store),
 * connects the namespaces, keeps every conversation complete and ordered across
 * disconnects (docs/DELIVERY.md), and delivers sends exactly once.
 *
 * @example
 * const client = createChatClient({ url: "https://chat.example.com", credentials: { username: "+15550001", password: "…" } });
 * client.on("message", (m, info) => console.log(info.change, m.text));
 * await client.ready();
 * await client.send("groups", { chat_id: groupId, text: "hello" });
 */
export function createChatClient(options: ChatClientOptions): ChatClient {
  const namespaces = options.namespaces ?? [...NAMESPACES];
  const store = options.store ?? memoryStore();
  const doFetch = options.fetch ?? ((...a: Parameters<typeof fetch>) => globalThis.fetch(...a));
  const baseUrl = (options.apiUrl ?? options.url).replace(/\/$/, "");
  const ackTimeoutMs = options.ackTimeoutMs ?? 10_000;
  const stats = newStats();
  const signal = { closed: false, wake: new Set<() => void>() };
  const emitter = new Emitter<ChatClientEvents>((err) => emitter.emit("error", toChatError(err, "listener_error")));
  const conversations = new Map<string, Conversation>();
  const presence = new Map<string, Presence>();
  const connects = connectionStats(stats);
  let expiredBySession = false;
  let started: Promise<void> | null = null;
  let readyResolve!: () => void;
  let readyReject!: (e: ChatError) => void;
  const readyPromise = new Promise<void>((res, rej) => {
    readyResolve = res;
    readyReject = rej;
  });
  readyPromise.catch(() => {}); // observed through ready(); never an unhandled rejection

  const auth = createAuth({
    baseUrl,
    fetch: doFetch,
    store,
    lock: options.refreshLock,
    countRefresh: () => stats.refreshes++,
    onTokens(t) {
      emitter.emit("tokens", t);
      if (connection) pushToken(connection.sockets.values(), t.access_token, ackTimeoutMs, () => auth.end("session_revoked"));
    },
    onLoggedOut(reason: LogoutReason, error?: ChatError) {
      connection?.close();
      outbox.stop();
      readyReject(new ChatError("logged_out", `The session ended: ${reason}`, { cause: error }));
      emitter.emit("logged_out", error ? { reason, error } : { reason });
    },
  });
  const http = createHttp({ baseUrl, fetch: doFetch, auth });
  const unread = createUnread({ get: (p) => http.request(p), conversation: (ns, id) => conversation(ns, id), conversations: () => conversations.values(), me: () => userId() });
  const get = <T>(path: string) => http.request<T>(path);
  const userId = () => auth.tokens?.user?.id ?? auth.tokens?.user_id;

  function conversation(ns: Namespace, id: string): Conversation {
    const key = conversationKey(ns, id);
    let c = conversations.get(key);
    if (!c) {
      c = new Conversation(ns, id, {
        maxMessages: options.maxMessagesPerConversation ?? Infinity,
        typingTtlMs: options.typingTtlMs ?? 8_000,
        get,
        changed(conv, m, change, via) {
          if (change === "new") (stats[NEW_BY_SOURCE[via]] as number)++;
          unread.message(conversation(conv.ns, conv.id), m, change, via);
          emitter.emit("message", m, { ns: conv.ns, change, via });
        },
        duplicate: () => stats.rawDuplicates++,
        countHistoryRequest: () => stats.historyRequests++,
        pending: (conv) => outbox.entries().filter((e) => e.ns === conv.ns && e.chat_id === conv.id),
        presence: (u) => presence.get(u),
        me: userId,
        send: (conv, input) => client.send(conv.ns, { ...input, chat_id: conv.id } as SendArgs),
        markRead: async (conv, seq) => {
          await client.emit(conv.ns, "mark_read", { chat_id: conv.id, seq });
        },
      });
      conversations.set(key, c);
    }
    return c;
  }

  const handle = createEventRouter({
    get catchUp() {
      return catchUp;
    },
    emitter,
    conversation,
    conversations: () => conversations.values(),
    presence,
    unreadUpdate: (u) => unread.update(u),
    session: (ns, s) => onSession(ns, s),
    sessionEnded(reason) {
      // Revoked: log in again. Expired: refresh, then reconnect (connection.ts asks `refused`).
      if (reason === "session_revoked") auth.end("session_revoked");
      else expiredBySession = true;
    },
  });

  const catchUp = createCatchUp({
    namespaces,
    store,
    stats,
    userId,
    get,
    conversations: () => conversations.values(),
    apply: (e: SyncEvent) => {
      const ns = (NAMESPACES as readonly string[]).includes(e.namespace) ? (e.namespace as Namespace) : namespaces[0]!;
      handle(ns, e.type, e.data, "sync", e.event_seq);
    },
    caughtUp(info) {
      if (options.trackUnread !== false && !info.recovered) void client.refreshUnread().catch((err: unknown) => emitter.emit("error", toChatError(err)));
      readyResolve();
      emitter.emit("caught_up", { recovered: info.recovered, resynced: info.resynced });
    },
    error: (err) => emitter.emit("error", err),
    signal,
  });

  const outbox = createOutbox({
    store,
    ackTimeoutMs,
    backoff: options.sendBackoff ?? { minMs: 250, maxMs: 10_000 },
    stats,
    userId,
    connected: (ns) => connection?.sockets.get(ns)?.connected ?? false,
    emit: (ns, payload, timeoutMs) => emitWithAck(connection!.sockets.get(ns)!, "send_message", payload, timeoutMs),
    delivered: (e, m) => void conversation(e.ns, m.conversation_id).accept(m, "ack"),
    failed: (e, error) => emitter.emit("send_failed", { client_message_id: e.client_message_id, ns: e.ns, chat_id: e.chat_id, error }),
    changed(e) {
      conversations.get(conversationKey(e.ns, e.chat_id))?.pendingChanged();
      if (emitter.has("outbox")) emitter.emit("outbox", outbox.entries());
    },
    refreshAuth: () => auth.refresh(),
    signal,
  });

  function onSession(ns: Namespace, s: ServerEventPayload<"session">) {
    connects.session(ns, s.recovered);
    catchUp.session(ns, s);
    outbox.wake(ns);
    emitter.emit("connected", { ns, recovered: s.recovered });
    emitter.emit("session", s, { ns, via: "live" });
  }

  let connection: ReturnType<typeof createConnection> | undefined;

  /** Authenticates and loads the store, once: REST calls need no sockets. */
  let authStarted: Promise<void> | null = null;
  function startAuth() {
    authStarted ??= (async () => {
      await auth.start({ tokens: options.tokens, credentials: options.credentials });
      await Promise.all([catchUp.load(), outbox.load()]);
    })();
    return authStarted;
  }

  async function start() {
    await startAuth();
    if (signal.closed) return;
    connection = createConnection(
      { url: options.url, transports: options.transports, socketOptions: options.socketOptions, namespaces },
      {
        token: () => auth.fresh(),
        event: (ns, event, payload) => handle(ns, event, payload, "live"),
        connect: () => {},
        disconnect(ns, reason) {
          connects.dropped(ns);
          catchUp.disconnected(ns);
          emitter.emit("disconnected", { ns, reason });
        },
        async refused(_ns, code) {
          if (auth.ended || signal.closed) return false;
          if (code === "account_suspended") {
            auth.end("account_suspended");
            return false;
          }
          const expiring = (auth.tokens?.expires_at ?? 0) - Date.now() < 10_000;
          if ((code !== undefined && AUTH_CODES.has(code)) || expiredBySession || expiring) {
            expiredBySession = false;
            await auth.refresh().catch(() => {});
          }
          return !auth.ended && !signal.closed;
        },
      },
    );
    outbox.start();
    connection.connect();
  }

  const client: ChatClient = {
    stats,
    get user() {
      return auth.tokens?.user;
    },
    get userId() {
      return userId();
    },
    get tokens() {
      return auth.tokens;
    },
    get cursor() {
      return catchUp.cursor;
    },
    get unreadTotal() {
      return unread.total;
    },
    connect() {
      started ??= start().catch((err: unknown) => {
        const e = toChatError(err);
        readyReject(e);
        throw e;
      });
      return started.then(() => readyPromise);
    },
    ready: () => readyPromise,
    settled: () => catchUp.settled(),
    on: (event, listener) => emitter.on(event, listener),
    once: (event, listener) => emitter.once(event, listener),
    off: (event, listener) => emitter.off(event, listener),
    send(ns, input) {
      if (auth.ended) return Promise.reject(new ChatError("logged_out", "The session has ended"));
      const payload = { ...input, client_message_id: input.client_message_id ?? newClientMessageId() } as OutboxEntry["payload"];
      return outbox.add(ns, payload);
    },
    async emit(ns, event, payload, opts = {}) {
      const socket = connection?.sockets.get(ns);
      if (!socket) throw new ChatError("not_connected", `Namespace ${ns} is not connected by this client`);
      if (auth.ended) throw new ChatError("logged_out", "The session has ended");
      const result = ackResult(await emitWithAck(socket, event, payload, opts.timeoutMs ?? ackTimeoutMs));
      // An edit, delete or reaction shows at once; the server's event that follows is a duplicate.
      const m = (result as { message?: Message }).message;
      if (m && (event === "edit_message" || event === "delete_message")) conversation(ns, m.conversation_id).update(m, "ack");
      if (event === "toggle_reaction" && "reactions" in result) {
        const r = result as unknown as ServerEventPayload<"message_reaction_update">;
        conversation(ns, r.conversation_id).reactions(r.message_id, r.reactions, "ack");
      }
      return result as AckResult<typeof event>;
    },
    conversation: (ns, id) => conversation(ns, id),
    conversations: () => [...conversations.values()],
    api: (async (path: string, init?: ApiInit) => {
      await startAuth();
      return init?.raw ? http.raw(path, init) : http.request(path, init);
    }) as ChatClient["api"],
    async refreshUnread() {
      await startAuth();
      await unread.refresh();
    },
    outbox: () => outbox.entries(),
    presence: (u) => presence.get(u),
    socket: (ns) => connection?.sockets.get(ns),
    connected: (ns) => (ns ? (connection?.sockets.get(ns)?.connected ?? false) : namespaces.every((n) => connection?.sockets.get(n)?.connected ?? false)),
    async logout() {
      await auth.logout();
      await Promise.all([outbox.clear(), catchUp.forget()]);
      client.close();
    },
    close() {
      if (signal.closed) return;
      signal.closed = true;
      for (const w of [...signal.wake]) w();
      connection?.close();
      auth.stop();
      outbox.stop();
      catchUp.flush();
      for (const c of conversations.values()) c.dispose();
      readyReject(new ChatError("closed", "The client was closed"));
    },
  };

  if (options.autoConnect !== false) void client.connect().catch(() => {});
  return client;
}
