// The public shape of a conversation view (what `client.conversation()` returns) and what a
// conversation needs from its client, apart from the implementation (conversation-view.ts).
import type { ConversationType, Message } from "../../src/contract/models.ts";
import type { Namespace } from "./paths.ts";
import type { MessageChange, MessageSource, OutboxEntry } from "./types.ts";

/** A user's presence as `user_presence_update` last told it. */
export interface Presence {
  status: "online" | "offline";
  last_seen: string | null;
  mood: string | null;
}

/** Someone typing now, as `typing_indicator` named them. */
export interface Typist {
  user_id: string;
  username: string;
}

/** What a conversation needs from the client. */
export interface ConversationDeps {
  maxMessages: number;
  typingTtlMs: number;
  /** GET a REST path (authorized). */
  get<T>(path: string): Promise<T>;
  /** A message was accepted or changed: the client's `message` event, stats and unread. */
  changed(c: ConversationLike, m: Message, change: MessageChange, via: MessageSource): void;
  duplicate(): void;
  countHistoryRequest(): void;
  pending(c: ConversationLike): readonly OutboxEntry[];
  presence(userId: string): Presence | undefined;
  /** The client's user id (its own typing is not shown). */
  me(): string | undefined;
  send(c: ConversationLike, input: SendInput): Promise<Message>;
  markRead(c: ConversationLike, seq: number): Promise<void>;
}

/** What the deps see of a conversation. */
export interface ConversationLike {
  readonly ns: Namespace;
  readonly id: string;
}

/** What `view.send` takes: the send_message payload without chat_id and client_message_id. */
export interface SendInput {
  text?: string;
  reply_to_message_id?: string | null;
  [field: string]: unknown;
}

/**
 * What an app renders one conversation from. Read its fields after each `subscribe`
 * notification; they are snapshots (arrays and maps are replaced, not mutated).
 */
export interface ConversationView {
  readonly ns: Namespace;
  readonly id: string;
  readonly type: ConversationType;
  /** Messages held, ordered by seq (incognito messages, which have none, by time among them). */
  readonly messages: readonly Message[];
  /**
   * Sends of this conversation waiting for their ack (in the outbox), oldest first. A send
   * whose message the view already holds (stored, its ack lost, then seen in a page or a
   * sync) is not listed: it shows once, as the message.
   */
  readonly pending: readonly OutboxEntry[];
  /**
   * Unread messages: the server's count (unread_update, GET /api/unread), plus, in a group
   * larger than `UNREAD_FANOUT_MAX_MEMBERS` whose size the client knows ({@link setMembers},
   * `group_updated`), the new messages from others the server sends no update for, counted
   * by the client until the server's next number for it. 0 until told.
   */
  readonly unread: number;
  /** Whether an unread message mentions the user. */
  readonly mentioned: boolean;
  /** Until when the user muted it (null: not muted). */
  readonly mutedUntil: string | null;
  /** Ids of the users typing now (indicators expire after `typingTtlMs`). */
  readonly typing: readonly string[];
  /** The users typing now with their usernames, in the order they started. */
  readonly typingUsers: readonly Typist[];
  /** Presence of the members the client knows of (senders, typists, group members). */
  readonly presence: ReadonlyMap<string, Presence>;
  /** How many members the group has, once told ({@link setMembers} or `group_updated`); null before, and for chats and DMs. */
  readonly memberCount: number | null;
  /** Every seq from the oldest held one to this one has been seen (0: none yet). */
  readonly contiguousThrough: number;
  /** Whether older messages exist than the oldest held (seq is gap-free from 1). */
  readonly hasOlder: boolean;
  /** Whether a page of history has been loaded here (`loadLatest` or `loadOlder` answered). */
  readonly loaded: boolean;
  /** Whether a page (`loadLatest`, `loadOlder`, or the reread after a resync) is being loaded. */
  readonly loading: boolean;
  /** Calls `listener` after every change; returns the function that stops it. */
  subscribe(listener: () => void): () => void;
  /** Loads the newest `count` messages (default 50) and merges them. */
  loadLatest(count?: number): Promise<readonly Message[]>;
  /** Loads the page before the oldest message held (default 50); resolves with that page. A call while one runs gets that one's answer. */
  loadOlder(count?: number): Promise<readonly Message[]>;
  /** Sends a message here (see `client.send`). */
  send(input: SendInput | string): Promise<Message>;
  /** Marks read up to `seq` (default: the newest held), and clears the unread count here at once. */
  markRead(seq?: number): Promise<void>;
  /**
   * Takes every message up to `seq` as already held (an app's own cache, a load generator
   * that knows where a chat stands): later copies of them are duplicates, and a live message
   * after `seq + 1` is a hole to fill.
   */
  seenThrough(seq: number): void;
  /**
   * A group's members as the app read them (e.g. `GroupSummary.members` from GET /api/groups,
   * as user ids): their presence shows in the view, and their number says whether the server
   * sends an `unread_update` per new message (see `unread`). `group_updated` keeps it current.
   */
  setMembers(userIds: readonly string[]): void;
}
