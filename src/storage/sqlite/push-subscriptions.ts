import type { PushSubscriptionRecord, PushSubscriptionRepository, PushType } from "../../push/push-subscription.repository.ts";
import { asyncRepo, date, json, list, ms, parse, str, strOrNull, type Row, type SqliteDb, type Sync } from "./database.ts";

export function pushSubscriptionFromRow(r: Row): PushSubscriptionRecord {
  return {
    id: str(r.id),
    user_id: str(r.user_id),
    session_id: str(r.session_id),
    type: str(r.type) as PushType,
    address: str(r.address),
    keys: r.keys == null ? null : parse<{ p256dh: string; auth: string }>(r.keys),
    platform: strOrNull(r.platform),
    created_at: date(r.created_at),
  };
}

/** Writes the record under its own id (db:copy): a row of another id with the same device is replaced. */
export function putPushSubscription(db: SqliteDb, s: PushSubscriptionRecord): void {
  db.run(
    "INSERT OR REPLACE INTO push_subscriptions (id, user_id, session_id, type, address, keys, platform, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    s.id, s.user_id, s.session_id, s.type, s.address, s.keys ? json(s.keys) : null, s.platform ?? null, ms(s.created_at),
  );
}

export function sqlitePushSubscriptions(db: SqliteDb): PushSubscriptionRepository {
  const repo: Sync<PushSubscriptionRepository> = {
    upsert(s) {
      // The same device (type, address) takes its row over, keeping the row's id.
      const r = db.get(
        `INSERT INTO push_subscriptions (id, user_id, session_id, type, address, keys, platform, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (type, address) DO UPDATE SET user_id = excluded.user_id, session_id = excluded.session_id, keys = excluded.keys,
           platform = excluded.platform, created_at = excluded.created_at
         RETURNING *`,
        s.id, s.user_id, s.session_id, s.type, s.address, s.keys ? json(s.keys) : null, s.platform, ms(s.created_at),
      );
      return pushSubscriptionFromRow(r!);
    },
    byId(id) {
      const r = db.get("SELECT * FROM push_subscriptions WHERE id = ?", id);
      return r ? pushSubscriptionFromRow(r) : null;
    },
    ofUser(userId) {
      return db.all("SELECT * FROM push_subscriptions WHERE user_id = ? ORDER BY created_at, id", userId).map(pushSubscriptionFromRow);
    },
    ofUsers(userIds) {
      if (userIds.length === 0) return [];
      return db.all(`SELECT * FROM push_subscriptions WHERE user_id IN (SELECT value FROM json_each(?)) ORDER BY user_id, created_at`, list(userIds)).map(pushSubscriptionFromRow);
    },
    remove(id) {
      return db.run("DELETE FROM push_subscriptions WHERE id = ?", id) === 1;
    },
    removeOfSession(sessionId) {
      return db.run("DELETE FROM push_subscriptions WHERE session_id = ?", sessionId);
    },
  };
  return asyncRepo(db, repo);
}
