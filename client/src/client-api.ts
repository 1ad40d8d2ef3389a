// The public shape of a chat client (what createChatClient returns), apart from its
// implementation so that an app, a test double or a wrapper can name it cheaply.
import type { AckResult, ClientEventName, ClientPayload, SendMessageInput } from "../../src/contract/events.ts";
import type { Message } from "../../src/contract/models.ts";
import type { Cursor } from "./catch-up.ts";
import type { ChatSocket } from "./connection.ts";
import type { ConversationView, Presence } from "./conversation-view.ts";
import type { ApiInit } from "./http.ts";
import type { Namespace } from "./paths.ts";
import type { ChatClientEvents, ChatClientStats, ChatUser, OutboxEntry, Tokens } from "./types.ts";

/** What `client.send` takes: send_message's payload; client_message_id is made if absent. */
export type SendArgs = Omit<SendMessageInput, "client_message_id"> & { client_message_id?: string };

/** A chat client, as `createChatClient` makes it. */
export interface ChatClient {
  /** How the delivery guarantee was met so far (counters). */
  readonly stats: ChatClientStats;
  /** The logged-in user (after login or refresh), if known. */
  readonly user: ChatUser | undefined;
  /** The logged-in user's id (from the user or the token). */
  readonly userId: string | undefined;
  /** The current token pair (null before start and after the session ended). */
  readonly tokens: Tokens | null;
  /** Where the client stands in its event stream. */
  readonly cursor: Readonly<Cursor>;
  /** The user's unread total (from unread_update or GET /api/unread). */
  readonly unreadTotal: number;
  /** Starts (login or tokens, sockets); called by createChatClient unless autoConnect is false. Resolves like `ready()`. */
  connect(): Promise<void>;
  /** Resolves once every namespace has connected and caught up the first time; rejects if the start fails or the session ends first. */
  ready(): Promise<void>;
  /** Resolves once no catch-up work (sync, gap fill, history refetch) is queued or running. */
  settled(): Promise<void>;
  /** Listens to a client or server event (typed); returns the function that stops it. */
  on<E extends keyof ChatClientEvents>(event: E, listener: ChatClientEvents[E]): () => void;
  /** Listens once. */
  once<E extends keyof ChatClientEvents>(event: E, listener: ChatClientEvents[E]): () => void;
  /** Stops a listener added with `on`. */
  off<E extends keyof ChatClientEvents>(event: E, listener: ChatClientEvents[E]): void;
  /**
   * Sends a message: queued in the store's outbox, emitted and retried (same
   * client_message_id) until acked, across reconnects and reloads. Resolves with the
   * stored message; rejects with a ChatError when refused for good (validation_error,
   * forbidden, blocked, muted_in_group, not_found...), then it is dropped from the outbox.
   */
  send(ns: Namespace, input: SendArgs): Promise<Message>;
  /** Emits a client event with its ack; resolves with the ack's result, rejects with a ChatError (the error ack's code, or `timeout`). */
  emit<E extends ClientEventName>(ns: Namespace, event: E, payload: ClientPayload<E>, opts?: { timeoutMs?: number }): Promise<AckResult<E>>;
  /** The view of one conversation (created on first use). */
  conversation(ns: Namespace, id: string): ConversationView;
  /** Every conversation the client holds state for. */
  conversations(): ConversationView[];
  /**
   * Authorized fetch of the REST API (path from the server root, e.g. `/api/users/me`): the
   * bearer token, one refresh-and-retry when it was refused as expired, errors as ChatError.
   * Resolves with the parsed JSON body, or with `raw: true` the Response itself (a download).
   */
  api(path: string, init: ApiInit & { raw: true }): Promise<Response>;
  api<T = unknown>(path: string, init?: ApiInit): Promise<T>;
  /**
   * Reads GET /api/unread into the views and `unreadTotal` (done after each connect that was
   * not a recovery, unless `trackUnread` is false); `unread_update`s received while it is out
   * are applied again on top of its answer.
   */
  refreshUnread(): Promise<void>;
  /** The sends waiting for their ack. */
  outbox(): readonly OutboxEntry[];
  /** A presence as the server last told it. */
  presence(userId: string): Presence | undefined;
  /** A namespace's Socket.IO socket (for transport details; the client owns its lifecycle). */
  socket(ns: Namespace): ChatSocket | undefined;
  /** Whether a namespace's socket (or, without ns, every one) is connected. */
  connected(ns?: Namespace): boolean;
  /** Logs out on the server, forgets the tokens, cursor and outbox, and closes. */
  logout(): Promise<void>;
  /** Closes the sockets and stops every timer; the store keeps the tokens, cursor and outbox. */
  close(): void;
}
