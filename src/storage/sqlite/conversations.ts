import type { ChatMode, ConversationType } from "../../contract/models.ts";
import { groupByKey, type ConversationRecord, type ConversationRepository, type MemberRecord, type MemberRole } from "../../messaging/conversation.repository.ts";
import { asyncRepo, date, dateOrNull, ms, msOrNull, num, str, strOrNull, type Row, type SqliteDb, type Sync } from "./database.ts";

export function conversationFromRow(r: Row): ConversationRecord {
  return {
    key: str(r.key),
    type: str(r.type) as ConversationType,
    public_id: str(r.public_id),
    mode: strOrNull(r.mode) as ChatMode | null,
    last_seq: num(r.last_seq),
    last_message_at: dateOrNull(r.last_message_at),
    created_at: date(r.created_at),
  };
}

export function memberFromRow(r: Row): MemberRecord {
  return {
    conversation_key: str(r.conversation_key),
    user_id: str(r.user_id),
    role: str(r.role) as MemberRole,
    joined_at: date(r.joined_at),
    read_seq: num(r.read_seq),
    read_at: dateOrNull(r.read_at),
    muted_until: dateOrNull(r.muted_until),
  };
}

export function putConversation(db: SqliteDb, c: ConversationRecord, replace: boolean): void {
  db.run(
    `INSERT ${replace ? "OR REPLACE " : ""}INTO conversations (key, type, public_id, mode, last_seq, last_message_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
    c.key, c.type, c.public_id, c.mode ?? null, c.last_seq ?? 0, msOrNull(c.last_message_at), ms(c.created_at),
  );
}

export function putMember(db: SqliteDb, m: MemberRecord, replace: boolean): void {
  db.run(
    `INSERT ${replace ? "OR REPLACE " : ""}INTO members (conversation_key, user_id, role, joined_at, read_seq, read_at, muted_until) VALUES (?, ?, ?, ?, ?, ?, ?)`,
    m.conversation_key, m.user_id, m.role, ms(m.joined_at), m.read_seq ?? 0, msOrNull(m.read_at), msOrNull(m.muted_until),
  );
}

/** Adds members that are not members yet (groups.create and ensure share it). */
export function addMembers(db: SqliteDb, key: string, members: readonly { user_id: string; role: MemberRole }[], joinedAt: Date): void {
  for (const m of members) {
    db.run("INSERT INTO members (conversation_key, user_id, role, joined_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING", key, m.user_id, m.role, ms(joinedAt));
  }
}

// The columns of both tables under distinct names, for the join in listOf.
const JOINED = `c.key, c.type, c.public_id, c.mode, c.last_seq, c.last_message_at, c.created_at,
  m.user_id, m.role, m.joined_at, m.read_seq, m.read_at, m.muted_until`;

export function sqliteConversations(db: SqliteDb): ConversationRepository {
  const byKey = (key: string) => {
    const r = db.get("SELECT * FROM conversations WHERE key = ?", key);
    return r ? conversationFromRow(r) : null;
  };

  const repo: Sync<ConversationRepository> = {
    ensure(c, members) {
      return db.tx(() => {
        const created =
          db.run(
            "INSERT INTO conversations (key, type, public_id, mode, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            c.key, c.type, c.public_id, c.mode ?? null, ms(c.created_at),
          ) === 1;
        if (created) addMembers(db, c.key, members, c.created_at);
        return { conversation: byKey(c.key)!, created };
      });
    },
    byKey,
    setMode(key, mode) {
      db.run("UPDATE conversations SET mode = ? WHERE key = ?", mode, key);
    },
    listOf(userId, type, limit) {
      // The sort reads the user's memberships (members_user), one conversation each by key:
      // bounded by how many conversations the user is in, not by the size of the tables.
      const rows = db.all(
        `SELECT ${JOINED} FROM members m JOIN conversations c ON c.key = m.conversation_key
         WHERE m.user_id = ? AND c.type = ?
         ORDER BY c.last_message_at DESC NULLS LAST, c.created_at DESC, c.key
         LIMIT ?`,
        userId, type, limit,
      );
      return rows.map((r) => ({ conversation: conversationFromRow(r), member: memberFromRow({ ...r, conversation_key: r.key ?? null }) }));
    },
    keysOf(userId) {
      return db.all("SELECT conversation_key FROM members WHERE user_id = ?", userId).map((r) => str(r.conversation_key));
    },
    keysOfMany(userIds) {
      // The keysOf statement per user (an index range each): the database is in-process.
      const out = new Map<string, string[]>();
      for (const id of new Set(userIds)) {
        const keys = db.all("SELECT conversation_key FROM members WHERE user_id = ?", id).map((r) => str(r.conversation_key));
        if (keys.length) out.set(id, keys);
      }
      return out;
    },
    member(key, userId) {
      const r = db.get("SELECT * FROM members WHERE conversation_key = ? AND user_id = ?", key, userId);
      return r ? memberFromRow(r) : null;
    },
    members(key) {
      return db.all("SELECT * FROM members WHERE conversation_key = ? ORDER BY joined_at, user_id", key).map(memberFromRow);
    },
    membersOfMany(keys) {
      // The members() statement per key, in one call: each an index range already in order,
      // where one IN (...) statement would sort all the rows in a temporary b-tree.
      return groupByKey(keys.flatMap((key) => db.all("SELECT * FROM members WHERE conversation_key = ? ORDER BY joined_at, user_id", key).map(memberFromRow)));
    },
    addMember(key, m) {
      return (
        db.run(
          "INSERT INTO members (conversation_key, user_id, role, joined_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
          key, m.user_id, m.role, ms(m.joined_at),
        ) === 1
      );
    },
    removeMember(key, userId) {
      return db.run("DELETE FROM members WHERE conversation_key = ? AND user_id = ?", key, userId) === 1;
    },
    setRole(key, userId, role) {
      return db.run("UPDATE members SET role = ? WHERE conversation_key = ? AND user_id = ?", role, key, userId) === 1;
    },
    markRead(key, userId, seq, at) {
      // One connection, synchronous: the update and the read after it see the same row.
      const raised = db.get(
        "UPDATE members SET read_seq = ?, read_at = ? WHERE conversation_key = ? AND user_id = ? AND read_seq < ? RETURNING read_seq",
        seq, ms(at), key, userId, seq,
      );
      if (raised) return { seq: num(raised.read_seq), advanced: true };
      const current = db.get("SELECT read_seq FROM members WHERE conversation_key = ? AND user_id = ?", key, userId);
      return current ? { seq: num(current.read_seq), advanced: false } : null;
    },
    setMute(key, userId, until) {
      return db.run("UPDATE members SET muted_until = ? WHERE conversation_key = ? AND user_id = ?", msOrNull(until), key, userId) === 1;
    },
  };
  return asyncRepo(db, repo);
}
