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
  mode: ChatMode | null;
  created_at: Date;
}

export type NewMessage = Pick<
  MessageRecord,
  "id" | "conversation_key" | "client_message_id" | "sender_id" | "sender" | "text" | "kind" | "media" | "sticker" | "reply_to" | "mode" | "created_at"
>;

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
  /** Sets the text, marks it edited and keeps the previous text in `edits`; null when missing or deleted. */
  edit(key: string, id: string, text: string, at: Date): Promise<MessageRecord | null>;
  /** Wipes the content (text, media, sticker, reply, edits, reactions) and marks it deleted; keeps its seq. Null when missing. */
  tombstone(key: string, id: string, at: Date): Promise<MessageRecord | null>;
  /**
   * The user's reaction: the same emoji again removes it, another replaces it (one per
   * user). Null when missing or deleted. Atomic per message.
   */
  toggleReaction(key: string, id: string, userId: string, reaction: StoredReaction): Promise<MessageRecord | null>;
  /** Per conversation: messages with seq > afterSeq from senders other than userId that are not deleted. */
  unreadCounts(userId: string, positions: readonly { key: string; afterSeq: number }[]): Promise<Map<string, number>>;
}
