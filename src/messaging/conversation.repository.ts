// Conversations of every kind and their members. Membership is one record per
// (conversation, member) under a unique key, holding that member's role and read
// position, so a join, a leave, a role change or a read is atomic on its own on every
// database: no member list that each change rewrites.
import type { ChatMode, ConversationType } from "../contract/models.ts";

export interface ConversationRecord {
  key: string; // "couple:<a>_<b>" | "group:<id>" | "dm:<a>|<b>"
  type: ConversationType;
  public_id: string;
  mode: ChatMode | null;
  /** The highest seq stored (MongoDB: raised after the insert, so it may trail by one send in flight). */
  last_seq: number;
  last_message_at: Date | null;
  created_at: Date;
}

export type MemberRole = "owner" | "admin" | "member";

export interface MemberRecord {
  conversation_key: string;
  user_id: string;
  role: MemberRole;
  joined_at: Date;
  /** The highest seq the member has read; 0 before the first read. */
  read_seq: number;
  read_at: Date | null;
  /** Until when the member muted the conversation; null: not muted. "For good" is a far date (read-state.service.ts). */
  muted_until: Date | null;
}

export interface NewConversation {
  key: string;
  type: ConversationType;
  public_id: string;
  mode: ChatMode | null;
  created_at: Date;
}

export interface ConversationRepository {
  /**
   * Creates the conversation with these members unless it exists; either way returns it.
   * Members are added only when this call created it. Concurrent calls create it once.
   */
  ensure(c: NewConversation, members: readonly { user_id: string; role: MemberRole }[]): Promise<{ conversation: ConversationRecord; created: boolean }>;
  byKey(key: string): Promise<ConversationRecord | null>;
  setMode(key: string, mode: ChatMode): Promise<void>;
  /**
   * The user's conversations of a type with the user's member record, most recent activity
   * first (last_message_at, then created_at), at most `limit`.
   */
  listOf(userId: string, type: ConversationType, limit: number): Promise<{ conversation: ConversationRecord; member: MemberRecord }[]>;
  /** Keys of every conversation the user is a member of (any type). */
  keysOf(userId: string): Promise<string[]>;
  /** keysOf of many users in one read (a burst of connects or syncs); a user in none is absent. */
  keysOfMany(userIds: readonly string[]): Promise<Map<string, string[]>>;

  member(key: string, userId: string): Promise<MemberRecord | null>;
  /** All members, ordered by joined_at. */
  members(key: string): Promise<MemberRecord[]>;
  /** The members of many conversations in one read (a list of groups), each ordered by joined_at; a key with none is absent. */
  membersOfMany(keys: readonly string[]): Promise<Map<string, MemberRecord[]>>;
  /** Adds the member; false (and nothing changed) when already a member. */
  addMember(key: string, m: { user_id: string; role: MemberRole; joined_at: Date }): Promise<boolean>;
  /** Removes the member; false when not a member. */
  removeMember(key: string, userId: string): Promise<boolean>;
  /** Changes a member's role; false when not a member. */
  setRole(key: string, userId: string, role: MemberRole): Promise<boolean>;
  /**
   * Raises the member's read position to `seq` (never lowers it); returns the position after
   * and whether this call raised it (a repeated or late receipt did not), or null when not a
   * member. On MongoDB one conditional atomic update; FerretDB v1 (the cluster tests' server)
   * applies it as read-then-write, so receipts of one member arriving on two nodes at the
   * same instant can leave the lower one until the next receipt.
   */
  markRead(key: string, userId: string, seq: number, at: Date): Promise<{ seq: number; advanced: boolean } | null>;
  /** Sets (a date) or clears (null) the member's mute; false when not a member. */
  setMute(key: string, userId: string, until: Date | null): Promise<boolean>;
}

/** Members grouped by conversation, in the order given (for `membersOfMany`). */
export function groupByKey(members: readonly MemberRecord[]): Map<string, MemberRecord[]> {
  const byKey = new Map<string, MemberRecord[]>();
  for (const m of members) {
    const list = byKey.get(m.conversation_key);
    if (list) list.push(m);
    else byKey.set(m.conversation_key, [m]);
  }
  return byKey;
}
