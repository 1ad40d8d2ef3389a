import type { ChatMode, Media, MessageKind, ReplyTo, StickerRef, UserCard } from "../../contract/models.ts";
import type { MessageRecord, MessageRepository, NewMessage, StoredReaction } from "../../messaging/message.repository.ts";
import {
  asyncRepo, bool, date, dateOrNull, duplicateAs, json, list, ms, msOrNull, num, parse, str, strOrNull, type Row, type SqliteDb, type Sync,
} from "./database.ts";
import { memberIds, membersNamed, mentionsAt, replaceMentionRows, unreadCounts, unreadOfUsers } from "./read-state.ts";

type StoredEdit = { text: string; edited_at: number };

/** The message without its reactions, which live in their own table. */
function messageFromRow(r: Row): MessageRecord {
  return {
    id: str(r.id),
    conversation_key: str(r.conversation_key),
    seq: num(r.seq),
    client_message_id: str(r.client_message_id),
    sender_id: str(r.sender_id),
    sender: parse<UserCard>(r.sender),
    text: str(r.text),
    kind: str(r.kind) as MessageKind,
    media: r.media === null ? null : parse<Media>(r.media),
    sticker: r.sticker === null ? null : parse<StickerRef>(r.sticker),
    reply_to: r.reply_to === null ? null : parse<ReplyTo>(r.reply_to),
    edited: bool(r.edited),
    last_edited_at: dateOrNull(r.last_edited_at),
    edits: parse<StoredEdit[]>(r.edits).map((e) => ({ text: e.text, edited_at: new Date(e.edited_at) })),
    deleted: bool(r.deleted),
    deleted_at: dateOrNull(r.deleted_at),
    reactions: {},
    mentions: parse<string[]>(r.mentions),
    mode: strOrNull(r.mode) as ChatMode | null,
    created_at: date(r.created_at),
  };
}

/** Messages from their rows, with their reactions read in one statement for the batch. */
export function withReactions(db: SqliteDb, rows: readonly Row[]): MessageRecord[] {
  const messages = rows.map(messageFromRow);
  if (messages.length === 0) return messages;
  const byId = new Map(messages.map((m) => [m.id, m]));
  const reactions = db.all(
    "SELECT message_id, user_id, emoji, at, username FROM reactions WHERE message_id IN (SELECT value FROM json_each(?))",
    list([...byId.keys()]),
  );
  for (const r of reactions) {
    const m = byId.get(str(r.message_id));
    if (m) m.reactions[str(r.user_id)] = { emoji: str(r.emoji), at: date(r.at), username: str(r.username) };
  }
  return messages;
}

/** Inserts or replaces the message, its reactions and its mention rows (db:copy: the rows are rebuilt from the record). */
export function putMessage(db: SqliteDb, m: MessageRecord): void {
  db.tx(() => {
    // The rows of whatever this replaces (the same id, or another message at the same seq) go first.
    for (const old of db.all("SELECT conversation_key, seq, mentions FROM messages WHERE id = ? UNION ALL SELECT conversation_key, seq, mentions FROM messages WHERE conversation_key = ? AND seq = ?", m.id, m.conversation_key, m.seq)) {
      replaceMentionRows(db, str(old.conversation_key), num(old.seq), parse<string[]>(old.mentions), []);
    }
    const mentions = m.deleted ? [] : (m.mentions ?? []);
    db.run(
      `INSERT OR REPLACE INTO messages (id, conversation_key, seq, client_message_id, sender_id, sender, text, kind, media, sticker, reply_to,
         edited, last_edited_at, edits, deleted, deleted_at, mode, created_at, mentions)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      m.id, m.conversation_key, m.seq, m.client_message_id, m.sender_id, json(m.sender), m.text ?? "", m.kind,
      m.media ? json(m.media) : null, m.sticker ? json(m.sticker) : null, m.reply_to ? json(m.reply_to) : null,
      m.edited ? 1 : 0, msOrNull(m.last_edited_at), json((m.edits ?? []).map((e) => ({ text: e.text, edited_at: ms(e.edited_at) }))),
      m.deleted ? 1 : 0, msOrNull(m.deleted_at), m.mode ?? null, ms(m.created_at), json(mentions),
    );
    replaceMentionRows(db, m.conversation_key, m.seq, [], mentions);
    db.run("DELETE FROM reactions WHERE message_id = ?", m.id);
    for (const [userId, r] of Object.entries(m.reactions ?? {})) putReaction(db, m.id, userId, r);
  });
}

function putReaction(db: SqliteDb, messageId: string, userId: string, r: StoredReaction): void {
  db.run("INSERT OR REPLACE INTO reactions (message_id, user_id, emoji, at, username) VALUES (?, ?, ?, ?, ?)", messageId, userId, r.emoji, ms(r.at), r.username);
}

const INSERT = `INSERT INTO messages (id, conversation_key, seq, client_message_id, sender_id, sender, text, kind, media, sticker, reply_to, mode, created_at, mentions)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`;

export function sqliteMessages(db: SqliteDb): MessageRepository {
  const one = (rows: Row[]) => withReactions(db, rows)[0] ?? null;
  const byId = (key: string, id: string) => one(db.all("SELECT * FROM messages WHERE id = ? AND conversation_key = ?", id, key));

  const repo: Sync<MessageRepository> = {
    append(m: NewMessage) {
      // One transaction in the only process that writes the file: the seq read from the
      // conversation and the insert cannot interleave with another append, so no gap.
      return db.tx(() => {
        const existing = db.all("SELECT * FROM messages WHERE sender_id = ? AND client_message_id = ?", m.sender_id, m.client_message_id);
        if (existing.length > 0) return { message: withReactions(db, existing)[0]!, created: false };
        // last_message_at only moves forward: a message stamped earlier (a client's or another
        // node's clock) does not make the conversation look older.
        const head = db.get(
          "UPDATE conversations SET last_seq = last_seq + 1, last_message_at = max(coalesce(last_message_at, ?1), ?1) WHERE key = ?2 RETURNING last_seq",
          ms(m.created_at), m.conversation_key,
        );
        if (!head) throw new Error(`conversation ${m.conversation_key} does not exist`);
        const mentions = m.mentions ?? [];
        try {
          const row = db.get(
            INSERT,
            m.id, m.conversation_key, num(head.last_seq), m.client_message_id, m.sender_id, json(m.sender), m.text, m.kind,
            m.media ? json(m.media) : null, m.sticker ? json(m.sticker) : null, m.reply_to ? json(m.reply_to) : null, m.mode ?? null, ms(m.created_at),
            json(mentions),
          );
          // In the same transaction: a mention exists exactly when its message does.
          replaceMentionRows(db, m.conversation_key, num(head.last_seq), [], mentions);
          return { message: messageFromRow(row!), created: true };
        } catch (e) {
          return duplicateAs(e, "id");
        }
      });
    },
    byId,
    latest(key, n) {
      return withReactions(db, db.all("SELECT * FROM messages WHERE conversation_key = ? ORDER BY seq DESC LIMIT ?", key, n).reverse());
    },
    after(key, afterSeq, n) {
      return withReactions(db, db.all("SELECT * FROM messages WHERE conversation_key = ? AND seq > ? ORDER BY seq LIMIT ?", key, afterSeq, n));
    },
    beforeSeq(key, beforeSeq, n) {
      return withReactions(db, db.all("SELECT * FROM messages WHERE conversation_key = ? AND seq < ? ORDER BY seq DESC LIMIT ?", key, beforeSeq, n).reverse());
    },
    beforeTime(key, at, n) {
      const rows = db.all("SELECT * FROM messages WHERE conversation_key = ? AND created_at < ? ORDER BY created_at DESC, seq DESC LIMIT ?", key, ms(at), n);
      return withReactions(db, rows.sort((x, y) => num(x.seq) - num(y.seq)));
    },
    atTime(key, at) {
      return one(db.all("SELECT * FROM messages WHERE conversation_key = ? AND created_at = ? ORDER BY seq LIMIT 1", key, ms(at)));
    },
    lastSeq(key) {
      return num(db.get("SELECT coalesce(max(seq), 0) AS seq FROM messages WHERE conversation_key = ?", key)?.seq);
    },
    edit(key, id, text, at, mentions = []) {
      return db.tx(() => {
        const r = db.get("SELECT seq, text, edits, mentions FROM messages WHERE id = ? AND conversation_key = ? AND deleted = 0", id, key);
        if (!r) return null;
        const edits = [...parse<StoredEdit[]>(r.edits), { text: str(r.text), edited_at: ms(at) }];
        db.run("UPDATE messages SET text = ?, edited = 1, last_edited_at = ?, edits = ?, mentions = ? WHERE id = ?", text, ms(at), JSON.stringify(edits), json(mentions), id);
        replaceMentionRows(db, key, num(r.seq), parse<string[]>(r.mentions), mentions);
        return byId(key, id);
      });
    },
    tombstone(key, id, at) {
      return db.tx(() => {
        const before = mentionsAt(db, key, id);
        if (before) replaceMentionRows(db, key, before.seq, before.mentions, []);
        const wiped = db.run(
          `UPDATE messages SET text = '', media = NULL, sticker = NULL, reply_to = NULL, edits = '[]', mentions = '[]', deleted = 1, deleted_at = ?
           WHERE id = ? AND conversation_key = ?`,
          ms(at), id, key,
        );
        if (wiped === 0) return null;
        db.run("DELETE FROM reactions WHERE message_id = ?", id);
        return byId(key, id);
      });
    },
    toggleReaction(key, id, userId, reaction) {
      return db.tx(() => {
        if (!db.get("SELECT 1 FROM messages WHERE id = ? AND conversation_key = ? AND deleted = 0", id, key)) return null;
        const mine = db.get("SELECT emoji FROM reactions WHERE message_id = ? AND user_id = ?", id, userId);
        if (mine && str(mine.emoji) === reaction.emoji) db.run("DELETE FROM reactions WHERE message_id = ? AND user_id = ?", id, userId);
        else putReaction(db, id, userId, reaction);
        return byId(key, id);
      });
    },
    unreadCounts: (userId, positions) => unreadCounts(db, userId, positions),
    unreadOfUsers: (userIds) => unreadOfUsers(db, userIds),
    memberIds: (key, limit) => memberIds(db, key, limit),
    membersNamed: (key, usernames) => membersNamed(db, key, usernames),
  };
  return asyncRepo(db, repo);
}
