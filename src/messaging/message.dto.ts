// Stored message → API message. Deleted messages are tombstones: they keep id, seq,
// sender and timestamps so clients see no gap, and nothing of their content.
import type { ConversationType, Message, Reaction } from "../contract/models.ts";
import type { MessageRecord, StoredReaction } from "./message.repository.ts";

export function publicIdOf(key: string): { type: ConversationType; id: string } {
  if (key.startsWith("dm:")) return { type: "dm", id: key };
  const [prefix, ...rest] = key.split(":");
  return { type: prefix === "couple" ? "couple" : "group", id: rest.join(":") };
}

export function toReactions(stored: Record<string, StoredReaction> | undefined): Record<string, Reaction> {
  const out: Record<string, Reaction> = {};
  for (const [userId, r] of Object.entries(stored ?? {})) {
    out[userId] = { emoji: r.emoji, at: new Date(r.at).toISOString(), user_id: userId, username: r.username };
  }
  return out;
}

export function reactionSummary(reactions: Record<string, { emoji: string }>): Record<string, number> {
  const summary: Record<string, number> = {};
  for (const r of Object.values(reactions)) summary[r.emoji] = (summary[r.emoji] ?? 0) + 1;
  return summary;
}

export function toMessage(m: MessageRecord | (Omit<MessageRecord, "seq"> & { seq: null })): Message {
  const conv = publicIdOf(m.conversation_key);
  return {
    id: m.id,
    conversation_id: conv.id,
    conversation_type: conv.type,
    seq: m.seq,
    client_message_id: m.client_message_id,
    sender: m.sender,
    text: m.deleted ? "" : m.text,
    kind: m.kind,
    media: m.deleted ? null : (m.media ?? null),
    sticker: m.deleted ? null : (m.sticker ?? null),
    reply_to: m.deleted ? null : (m.reply_to ?? null),
    edited: m.edited,
    last_edited_at: m.last_edited_at ? m.last_edited_at.toISOString() : null,
    edits: m.deleted ? [] : (m.edits ?? []).map((e) => ({ text: e.text, edited_at: new Date(e.edited_at).toISOString() })),
    deleted: m.deleted,
    deleted_at: m.deleted_at ? m.deleted_at.toISOString() : null,
    reactions: m.deleted ? {} : toReactions(m.reactions),
    mentions: m.deleted ? [] : [...(m.mentions ?? [])],
    mode: m.mode ?? null,
    created_at: m.created_at.toISOString(),
  };
}

/**
 * What every message is when it is sent: not edited, not deleted, no reactions, mentioning
 * nobody (a group message's own mentions come after it). The same in the database and on
 * the wire; fresh arrays and objects on every call.
 */
export function sentState() {
  return {
    edited: false,
    last_edited_at: null,
    edits: [] as never[],
    deleted: false,
    deleted_at: null,
    reactions: {} as Record<string, never>,
    mentions: [] as string[],
  };
}
