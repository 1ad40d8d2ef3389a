// Stored messages. Only the conversation's messages with a seq are stored (incognito ones
// never are). `append` is where the gap-free seq comes from: see each implementation.
import type { ChatMode, Media, MessageKind, ReplyTo, StickerRef, UserCard } from "../contract/models.ts";

export interface StoredReaction {
  emoji: string;
  at: Date;
  username: string;
}

export interface MessageRecord {
  id: string;
  conversation_key: string;
  seq: number;
  client_message_id: string;
  sender_id: string;
  sender: UserCard;
  text: string;
  kind: MessageKind;
  media: Media | null;
  sticker: StickerRef | null;
  reply_to: ReplyTo | null;
  edited: boolean;
  last_edited_at: Date | null;
  edits: { text: string; edited_at: Date }[];
  deleted: boolean;
  deleted_at: Date | null;
  /** By user id (24 hex digits, never user input). */
  reactions: Record<string, StoredReaction>;
  /** The members the text mentions (user ids, text order, no duplicates; resolved by the service). Empty once deleted. */
  mentions: string[];
  mode: ChatMode | null;
  created_at: Date;
}

export type NewMessage = Pick<
  MessageRecord,
  "id" | "conversation_key" | "client_message_id" | "sender_id" | "sender" | "text" | "kind" | "media" | "sticker" | "reply_to" | "mode" | "created_at"
> & {
  /** None when absent. */
  mentions?: readonly string[];
};

/** One member's unread state in one conversation. */
export interface UnreadRow {
  user_id: string;
  conversation_key: string;
  read_seq: number;
  /** Messages with seq > read_seq from other senders that are not deleted. */
  unread: number;
  /** Whether one of those mentions the member. */
  mentioned: boolean;
  muted_until: Date | null;
}

export interface MessageRepository {
  /**
   * Stores the message with its conversation's next seq (1, 2, 3... with no gap and no
   * duplicate, whatever the concurrency, on any number of nodes) and raises the
   * conversation's last_seq/last_message_at, unless the sender already stored a message
   * with this client_message_id: then returns that one with created=false (it may be in
   * another conversation: the caller checks). The conversation must exist.
   */
  append(m: NewMessage): Promise<{ message: MessageRecord; created: boolean }>;
  /** The message if it belongs to the conversation. */
  byId(key: string, id: string): Promise<MessageRecord | null>;
  /** The newest `n`, ascending by seq. */
  latest(key: string, n: number): Promise<MessageRecord[]>;
  /** Up to `n` with seq > afterSeq, ascending. */
  after(key: string, afterSeq: number, n: number): Promise<MessageRecord[]>;
  /** The `n` newest with seq < beforeSeq, ascending. */
  beforeSeq(key: string, beforeSeq: number, n: number): Promise<MessageRecord[]>;
  /** The `n` newest created before `at`, ascending by seq. */
  beforeTime(key: string, at: Date, n: number): Promise<MessageRecord[]>;
  /** A message created exactly at `at` (the lowest seq if several). */
  atTime(key: string, at: Date): Promise<MessageRecord | null>;
  /** The highest seq stored in the conversation, 0 if none. */
  lastSeq(key: string): Promise<number>;
  /**
   * Sets the text and its mentions (replacing the previous ones), marks it edited and keeps
   * the previous text in `edits`; null when missing or deleted.
   */
  edit(key: string, id: string, text: string, at: Date, mentions?: readonly string[]): Promise<MessageRecord | null>;
  /** Wipes the content (text, media, sticker, reply, edits, reactions, mentions) and marks it deleted; keeps its seq. Null when missing. */
  tombstone(key: string, id: string, at: Date): Promise<MessageRecord | null>;
  /**
   * The user's reaction: the same emoji again removes it, another replaces it (one per
   * user). Null when missing or deleted. Atomic per message.
   */
  toggleReaction(key: string, id: string, userId: string, reaction: StoredReaction): Promise<MessageRecord | null>;
  /** Per conversation: messages with seq > afterSeq from senders other than userId that are not deleted. */
  unreadCounts(userId: string, positions: readonly { key: string; afterSeq: number }[]): Promise<Map<string, number>>;

  // Read state. These read the members' records with the messages, in the database, so a
  // count never needs a query per conversation, and the message service (which holds this
  // repository only) can address and resolve members.

  /**
   * The unread state of every membership of each of these users (each conversation they are
   * in): one batched read whatever the number of conversations.
   */
  unreadOfUsers(userIds: readonly string[]): Promise<UnreadRow[]>;
  /** Up to `limit` member ids of the conversation (who its unread updates go to). */
  memberIds(key: string, limit: number): Promise<string[]>;
  /** The members of the conversation among these usernames (how `@username` mentions resolve). */
  membersNamed(key: string, usernames: readonly string[]): Promise<{ user_id: string; username: string }[]>;
}

/**
 * What a tombstone keeps none of: a deleted message's content as stored and served. One
 * definition for every path that makes one (a delete, an account deletion's pages, the
 * read-time redaction of an account being deleted); reactions are removed beside it.
 */
export function tombstoneContent() {
  return { text: "", media: null, sticker: null, reply_to: null, edits: [] as never[], mentions: [] as string[] };
}
