// Read state on SQLite: unread counts, mention flags and the rows of the `mentions` table.
//
// A count never walks the unread messages. Seqs are gap-free (1..newest, deleted ones keep
// theirs), so for a member whose position is r:
//
//   unread = (newest seq - r) - (own messages above r) - (others' deleted messages above r)
//
// each term an index seek or a small range (migration 3: messages_sender, messages_deleted):
// a member who never reads a busy group costs the same as one who always does. "Mentioned"
// is a range of the member's own mention rows above r (deleting a message removes its rows).
import type { UnreadRow } from "../../messaging/message.repository.ts";
import { bool, dateOrNull, list, num, parse, str, type SqliteDb } from "./database.ts";

/** The unread expression for a member at position `pos` of conversation `key` (SQL expressions of the outer query). */
function unreadOf(key: string, user: string, pos: string): string {
  return `max(0, coalesce((SELECT max(g.seq) FROM messages g WHERE g.conversation_key = ${key}), 0) - ${pos}
    - (SELECT count(*) FROM messages g WHERE g.conversation_key = ${key} AND g.sender_id = ${user} AND g.seq > ${pos})
    - (SELECT count(*) FROM messages g WHERE g.conversation_key = ${key} AND g.deleted = 1 AND g.seq > ${pos} AND g.sender_id != ${user}))`;
}

const OF_USERS = `SELECT m.user_id, m.conversation_key, m.read_seq, m.muted_until,
    ${unreadOf("m.conversation_key", "m.user_id", "m.read_seq")} AS unread,
    EXISTS (SELECT 1 FROM mentions x WHERE x.user_id = m.user_id AND x.conversation_key = m.conversation_key AND x.seq > m.read_seq) AS mentioned
  FROM members m WHERE m.user_id IN (SELECT value FROM json_each(?))`;

const COUNTS = `SELECT p.key, ${unreadOf("p.key", "?1", "p.after")} AS n
  FROM (SELECT value ->> 'key' AS key, value ->> 'after' AS after FROM json_each(?2)) p`;

export function unreadOfUsers(db: SqliteDb, userIds: readonly string[]): UnreadRow[] {
  if (userIds.length === 0) return [];
  return db.all(OF_USERS, list(userIds)).map((r) => ({
    user_id: str(r.user_id),
    conversation_key: str(r.conversation_key),
    read_seq: num(r.read_seq),
    unread: num(r.unread),
    mentioned: bool(r.mentioned),
    muted_until: dateOrNull(r.muted_until),
  }));
}

export function unreadCounts(db: SqliteDb, userId: string, positions: readonly { key: string; afterSeq: number }[]): Map<string, number> {
  const counts = new Map<string, number>();
  if (positions.length === 0) return counts;
  const rows = db.all(COUNTS, userId, JSON.stringify(positions.map((p) => ({ key: p.key, after: p.afterSeq }))));
  for (const r of rows) counts.set(str(r.key), num(r.n));
  return counts;
}

export function memberIds(db: SqliteDb, key: string, limit: number): string[] {
  return db.all("SELECT user_id FROM members WHERE conversation_key = ? ORDER BY user_id LIMIT ?", key, limit).map((r) => str(r.user_id));
}

export function membersNamed(db: SqliteDb, key: string, usernames: readonly string[]): { user_id: string; username: string }[] {
  if (usernames.length === 0) return [];
  return db
    .all(
      `SELECT u.id, u.username FROM users u JOIN members m ON m.conversation_key = ? AND m.user_id = u.id
       WHERE u.username IN (SELECT value FROM json_each(?))`,
      key, list(usernames),
    )
    .map((r) => ({ user_id: str(r.id), username: str(r.username) }));
}

/** A message's seq and mentions, or null when it is not in the conversation. */
export function mentionsAt(db: SqliteDb, key: string, id: string): { seq: number; mentions: string[] } | null {
  const r = db.get("SELECT seq, mentions FROM messages WHERE id = ? AND conversation_key = ?", id, key);
  return r ? { seq: num(r.seq), mentions: parse<string[]>(r.mentions) } : null;
}

/** Replaces one message's mention rows: `before` are the rows it has, `after` the ones it gets (callers hold the transaction). */
export function replaceMentionRows(db: SqliteDb, key: string, seq: number, before: readonly string[], after: readonly string[]): void {
  for (const u of before) if (!after.includes(u)) db.run("DELETE FROM mentions WHERE user_id = ? AND conversation_key = ? AND seq = ?", u, key, seq);
  for (const u of after) db.run("INSERT OR IGNORE INTO mentions (user_id, conversation_key, seq) VALUES (?, ?, ?)", u, key, seq);
}

/** Removes the mention rows of every message of a conversation (a group's removal). */
export function removeConversationMentions(db: SqliteDb, key: string): void {
  for (const r of db.all("SELECT seq, mentions FROM messages WHERE conversation_key = ? AND mentions != '[]'", key)) {
    replaceMentionRows(db, key, num(r.seq), parse<string[]>(r.mentions), []);
  }
}
