// The client's public types that are not the server's contract: options, tokens, events,
// statistics. The contract's own types (Message, ServerEvents, ClientEvents...) come from
// src/contract by type-only imports, so a renamed field breaks the SDK's build too.
import type { ManagerOptions } from "socket.io-client";
import type { AckError, ServerEventName, ServerEventPayload } from "../../src/contract/events.ts";
import type { Message, UserCard } from "../../src/contract/models.ts";
import type { Backoff } from "./backoff.ts";
import type { ChatError } from "./errors.ts";
import type { Namespace } from "./paths.ts";
import type { ChatStore } from "./stores.ts";

/** A username (the phone number, as the server's login expects) and password. */
export interface Credentials {
  username: string;
  password: string;
}

/** The logged-in user as the login answer describes it (the card and the private fields). */
export type ChatUser = UserCard & { [field: string]: unknown };

/** The session's tokens as the client keeps them (in the store under `auth`). */
export interface Tokens {
  access_token: string;
  /** Absent when the app handed over an access token only: then the client cannot refresh. */
  refresh_token?: string;
  /** When the access token expires, in ms since the epoch. */
  expires_at: number;
  /** The access token's lifetime (paces the early refresh of short-lived tokens). */
  lifetime_ms: number;
  /** The user, when the tokens came from a login or refresh answer. */
  user?: ChatUser;
  /** The user's id (from the user, or the token's `sub`). */
  user_id?: string;
}

/** Options of {@link createChatClient}. Only `url` is required. */
export interface ChatClientOptions {
  /** The server's origin, e.g. `https://chat.example.com` (in a browser on the same origin: `location.origin`). */
  url: string;
  /** The REST base, if not `url`. */
  apiUrl?: string;
  /** Log in with these. */
  credentials?: Credentials;
  /** Or start from a pair the app already holds (`expires_at` overrides the token's own `exp`). */
  tokens?: { access_token: string; refresh_token?: string; expires_at?: number };
  /** Where the token pair, cursor and outbox live (default: {@link memoryStore}). */
  store?: ChatStore;
  /** The namespaces to connect (default: all three). */
  namespaces?: Namespace[];
  /** Socket.IO transports, e.g. `["polling"]` behind a proxy that blocks WebSocket (default: polling, then upgrade). */
  transports?: ("polling" | "websocket")[];
  /**
   * Passed to the Socket.IO Manager: `query` (sticky-session keys), `reconnectionDelay`,
   * `reconnectionDelayMax`, `randomizationFactor`, `reconnection`, `path`, Node-only engine
   * options such as `localAddress`... `auth` and `autoConnect` belong to the client.
   */
  socketOptions?: Partial<ManagerOptions> & { [option: string]: unknown };
  /** The fetch to use (default: globalThis.fetch). */
  fetch?: typeof fetch;
  /** Connect at once (default true); otherwise call `connect()`. */
  autoConnect?: boolean;
  /** How long to wait for an ack before retrying a send or rejecting an emit (default 10 000 ms). */
  ackTimeoutMs?: number;
  /** Retry pacing of sends (default 250 ms doubling to 10 s, jittered). */
  sendBackoff?: Backoff;
  /** Keep at most this many messages per conversation in memory, dropping the oldest (default: all). 0 keeps none: the client still dedupes and fills gaps by seq. */
  maxMessagesPerConversation?: number;
  /** Fetch GET /api/unread after every connect that was not a recovery (default true). */
  trackUnread?: boolean;
  /** Runs a token refresh under a lock shared by the app's tabs, e.g. `(fn) => navigator.locks.request("chat-refresh", fn)`. */
  refreshLock?: <T>(fn: () => Promise<T>) => Promise<T>;
  /** How long a typing indicator lasts without a refresh from the typist (default 8000 ms). */
  typingTtlMs?: number;
}

/** Where a message came from; `history` covers loadLatest/loadOlder, `gap` a gap fill or a resync. */
export type MessageSource = "live" | "sync" | "gap" | "history" | "ack";

/** What changed about a message. */
export type MessageChange = "new" | "updated" | "deleted" | "reactions";

/** The second argument of a `message` listener. */
export interface MessageInfo {
  ns: Namespace;
  change: MessageChange;
  via: MessageSource;
}

/** The second argument of a server-event listener: where it arrived from. */
export interface EventContext {
  ns: Namespace;
  /** `live` on the socket (a replay by connection-state recovery included), `sync` from GET /api/events/sync. */
  via: "live" | "sync";
}

/** A server event (all of ServerEvents but `error`, which the client reports as its own `error`). */
export type ForwardedServerEvent = Exclude<ServerEventName, "error">;

/** Listeners of the server's events, typed from the contract. */
export type ServerEventListeners = { [E in ForwardedServerEvent]: (payload: ServerEventPayload<E>, ctx: EventContext) => void };

/** A send that could not be delivered and was dropped from the outbox (a permanent error ack). */
export interface SendFailure {
  client_message_id: string;
  ns: Namespace;
  chat_id: string;
  error: ChatError;
}

/** Why the session ended for this client: the app shows its login screen (or, for `user_changed`, starts again from the store). */
export type LogoutReason = "session_revoked" | "refresh_failed" | "account_suspended" | "no_refresh_token" | "logout" | "user_changed";

/** Listeners of the client's own events. */
export interface SdkEventListeners {
  /** A message seen for the first time (after dedupe), or a change to one (edit, delete, reactions). */
  message: (message: Message, info: MessageInfo) => void;
  /** A namespace's socket is connected and the server said where the event stream stands (`session`). */
  connected: (info: { ns: Namespace; recovered: boolean }) => void;
  /** A namespace's socket dropped (Socket.IO reconnects by itself unless the session ended). */
  disconnected: (info: { ns: Namespace; reason: string }) => void;
  /**
   * The session ended (revoked from another device, refresh refused, suspended, logout): the
   * client stopped. `user_changed`: another client sharing the store (a tab) logged in as
   * someone else; the store holds that user's pair, which a new client (no credentials,
   * no tokens) starts from.
   */
  logged_out: (info: { reason: LogoutReason; error?: ChatError }) => void;
  /**
   * Every namespace is connected and everything missed while away has been fetched.
   * `recovered`: Socket.IO replayed it all. `resynced`: the sync was refused (410: the events
   * missed are gone); the client read again the conversations it holds (history after their
   * last seq, and the latest page of those the app loaded, for edits and deletes), and the
   * app should reload its own lists (groups, threads...), whose events are gone too.
   */
  caught_up: (info: { recovered: boolean; resynced: boolean }) => void;
  /** A new token pair (after login or refresh): apps that keep tokens elsewhere save it. */
  tokens: (tokens: Tokens) => void;
  /** The outbox changed (a send queued, delivered or dropped). */
  outbox: (pending: readonly OutboxEntry[]) => void;
  /** A send was refused for good and dropped from the outbox. */
  send_failed: (failure: SendFailure) => void;
  /** Something failed in the background (a sync, a gap fill), or the server's `error` event. */
  error: (error: ChatError | (AckError & { source: "server" })) => void;
}

/** Every event `client.on` accepts. */
export type ChatClientEvents = ServerEventListeners & SdkEventListeners;

/** A send waiting for its ack, as kept in the store's outbox. */
export interface OutboxEntry {
  client_message_id: string;
  ns: Namespace;
  chat_id: string;
  /** The whole send_message payload, client_message_id included. */
  payload: { chat_id: string; client_message_id: string; [field: string]: unknown };
  /** The user who queued it: another user's client never sends it. */
  user_id: string | undefined;
  created_at: string;
  attempts: number;
  /** The last error met (retried all the same), for a "still sending" hint. */
  last_error?: string;
}

/** Counters of how the client met the delivery guarantee (the tests and benchmarks print them). */
export interface ChatClientStats {
  /** `session` events received (every connect of every namespace). */
  connects: number;
  /** Reconnects that connection-state recovery completed. */
  recovered: number;
  /** Reconnects that it did not (the client synced instead). */
  notRecovered: number;
  /** Messages first seen live (a replay by recovery included). */
  live: number;
  /** Messages first seen in a sync page. */
  fromSync: number;
  /** Messages first seen in a gap fill or a resync's history read. */
  fromGapFill: number;
  /** Messages first seen in loadLatest/loadOlder. */
  fromHistory: number;
  /** Messages first seen in a send's ack. */
  fromAck: number;
  /** Copies of messages already held, dropped. */
  rawDuplicates: number;
  /** Sync answered 410: history refetched. */
  resyncs: number;
  /** Sync requests and history requests made. */
  syncRequests: number;
  historyRequests: number;
  /** Token refresh requests made. */
  refreshes: number;
  /** Send attempts after the first. */
  sendRetries: number;
  /** Per reconnect, ms from the drop to the `session` (last 1000). */
  reconnectTimes: number[];
}
