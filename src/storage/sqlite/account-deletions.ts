// Account deletion jobs and their bulk writes on SQLite (src/account/account-deletion.repository.ts).
// Each page is its own short transaction: a 10k-message account is 20 transactions of 500,
// never one that holds the write lock for the whole deletion.
import type { AccountDeletionRepository, DeletionJob, DeletionStep } from "../../account/account-deletion.repository.ts";
import { asyncRepo, date, dateOrNull, json, list, ms, num, parse, str, strOrNull, type Row, type SqliteDb, type Sync } from "./database.ts";
import { replaceMentionRows } from "./read-state.ts";
import { uploadFromRow } from "./uploads.ts";

function jobFromRow(r: Row): DeletionJob {
  return {
    user_id: str(r.user_id),
    step: str(r.step) as DeletionStep,
    cursor: strOrNull(r.cursor),
    started_at: date(r.started_at),
    updated_at: date(r.updated_at),
    finished_at: dateOrNull(r.finished_at),
  };
}

export function sqliteAccountDeletions(db: SqliteDb): AccountDeletionRepository {
  const job = (userId: string) => {
    const r = db.get("SELECT * FROM account_deletions WHERE user_id = ?", userId);
    return r ? jobFromRow(r) : null;
  };
  const repo: Sync<AccountDeletionRepository> = {
    begin(userId, at, t) {
      return db.tx(() => {
        const existing = job(userId);
        if (existing) return existing;
        const changed = db.run(
          `UPDATE users SET phone = ?, username = ?, display_name = ?, password_hash = '', email = NULL, mood = NULL, avatar_url = NULL,
             bubble_color = NULL, suspended_until = ?, suspension_reason = ?, updated_at = ? WHERE id = ?`,
          t.phone, t.username, t.display_name, ms(t.suspended_until), t.suspension_reason, ms(at), userId,
        );
        if (changed === 0) return null;
        db.run("INSERT INTO account_deletions (user_id, step, cursor, started_at, updated_at) VALUES (?, 'sessions', NULL, ?, ?)", userId, ms(at), ms(at));
        return job(userId);
      });
    },
    job,
    unfinished(limit) {
      return db.all("SELECT * FROM account_deletions WHERE finished_at IS NULL ORDER BY started_at LIMIT ?", limit).map(jobFromRow);
    },
    advance(userId, step, cursor, at) {
      db.run(
        "UPDATE account_deletions SET step = ?, cursor = ?, updated_at = ?, finished_at = ? WHERE user_id = ?",
        step, cursor, ms(at), step === "done" ? ms(at) : null, userId,
      );
    },
    tombstoneMessagesOf(userId, afterId, limit, card, at) {
      return db.tx(() => {
        const rows = db.all("SELECT id, conversation_key, seq, mentions FROM messages WHERE sender_id = ? AND id > ? ORDER BY id LIMIT ?", userId, afterId ?? "", limit);
        if (rows.length === 0) return { lastId: null, count: 0, keys: [] };
        const ids = rows.map((r) => str(r.id));
        for (const r of rows) {
          const mentions = parse<string[]>(r.mentions);
          if (mentions.length) replaceMentionRows(db, str(r.conversation_key), num(r.seq), mentions, []);
        }
        db.run(
          `UPDATE messages SET sender = ?, text = '', media = NULL, sticker = NULL, reply_to = NULL, edits = '[]', mentions = '[]', deleted = 1,
             deleted_at = COALESCE(deleted_at, ?) WHERE id IN (SELECT value FROM json_each(?))`,
          json(card), ms(at), list(ids),
        );
        db.run("DELETE FROM reactions WHERE message_id IN (SELECT value FROM json_each(?))", list(ids));
        return { lastId: ids[ids.length - 1]!, count: ids.length, keys: [...new Set(rows.map((r) => str(r.conversation_key)))] };
      });
    },
    removeReactionsOf(userId, limit) {
      return db.run("DELETE FROM reactions WHERE (message_id, user_id) IN (SELECT message_id, user_id FROM reactions WHERE user_id = ? LIMIT ?)", userId, limit);
    },
    uploadsOf(userId, afterId, limit) {
      return db.all("SELECT * FROM uploads WHERE owner_id = ? AND id > ? ORDER BY id LIMIT ?", userId, afterId ?? "", limit).map(uploadFromRow);
    },
    removeUploads(ids) {
      db.tx(() => {
        // By URL (upload_urls' key): the URLs come from the uploads themselves.
        db.run("DELETE FROM upload_urls WHERE url IN (SELECT json_each.value FROM uploads, json_each(uploads.urls) WHERE uploads.id IN (SELECT value FROM json_each(?)))", list(ids));
        db.run("DELETE FROM uploads WHERE id IN (SELECT value FROM json_each(?))", list(ids));
      });
    },
    removePersonalData(userId) {
      db.tx(() => {
        db.run("DELETE FROM profiles WHERE user_id = ?", userId);
        db.run("DELETE FROM push_subscriptions WHERE user_id = ?", userId);
        db.run("DELETE FROM blocks WHERE blocker_id = ?", userId);
        db.run("DELETE FROM blocks WHERE blocked_id = ?", userId);
      });
    },
    setGroupOwner(groupId, ownerId) {
      db.run(`UPDATE "groups" SET owner_id = ?, updated_at = ? WHERE id = ?`, ownerId, ms(new Date()), groupId);
    },
  };
  return asyncRepo(db, repo);
}
