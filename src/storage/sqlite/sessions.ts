import type { RefreshTokenRecord, SessionRecord, SessionRepository } from "../../auth/session.repository.ts";
import { asyncRepo, date, dateOrNull, list, ms, msOrNull, str, strOrNull, type Row, type SqliteDb, type Sync } from "./database.ts";

export function sessionFromRow(r: Row): SessionRecord {
  return {
    id: str(r.id),
    user_id: str(r.user_id),
    revoked_at: dateOrNull(r.revoked_at),
    revoked_reason: strOrNull(r.revoked_reason),
    expires_at: date(r.expires_at),
    created_at: date(r.created_at),
    device: strOrNull(r.device),
    ip: strOrNull(r.ip),
    // Rows written before migration 4 got created_at there; null only if written by hand.
    last_used_at: date(r.last_used_at ?? r.created_at),
  };
}

export function refreshTokenFromRow(r: Row): RefreshTokenRecord {
  return {
    id: str(r.id),
    session_id: str(r.session_id),
    user_id: str(r.user_id),
    used_at: dateOrNull(r.used_at),
    expires_at: date(r.expires_at),
  };
}

export function putSession(db: SqliteDb, s: SessionRecord, replace: boolean): void {
  db.run(
    `INSERT ${replace ? "OR REPLACE " : ""}INTO sessions (id, user_id, revoked_at, revoked_reason, expires_at, created_at, device, ip, last_used_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    s.id, s.user_id, msOrNull(s.revoked_at), s.revoked_reason ?? null, ms(s.expires_at), ms(s.created_at), s.device ?? null, s.ip ?? null, ms(s.last_used_at ?? s.created_at),
  );
}

export function putRefreshToken(db: SqliteDb, t: RefreshTokenRecord, replace: boolean): void {
  db.run(
    `INSERT ${replace ? "OR REPLACE " : ""}INTO refresh_tokens (id, session_id, user_id, used_at, expires_at) VALUES (?, ?, ?, ?, ?)`,
    t.id, t.session_id, t.user_id, msOrNull(t.used_at), ms(t.expires_at),
  );
}

export function sqliteSessions(db: SqliteDb): SessionRepository {
  const repo: Sync<SessionRepository> = {
    createSession(s) {
      const now = new Date();
      putSession(db, { ...s, device: s.device ?? null, ip: s.ip ?? null, revoked_at: null, revoked_reason: null, created_at: now, last_used_at: now }, false);
    },
    session(id) {
      const r = db.get("SELECT * FROM sessions WHERE id = ?", id);
      return r ? sessionFromRow(r) : null;
    },
    sessions(ids) {
      return db.all("SELECT * FROM sessions WHERE id IN (SELECT value FROM json_each(?))", list(ids)).map(sessionFromRow);
    },
    sessionsOf(userId) {
      // Backwards along (user_id, created_at): newest first without a sort.
      return db.all("SELECT * FROM sessions WHERE user_id = ? ORDER BY created_at DESC", userId).map(sessionFromRow);
    },
    extendSession(id, expiresAt) {
      db.run("UPDATE sessions SET expires_at = ? WHERE id = ?", ms(expiresAt), id);
    },
    touchSession(id, at, client) {
      if (client) db.run("UPDATE sessions SET last_used_at = max(coalesce(last_used_at, 0), ?), device = ?, ip = ? WHERE id = ?", ms(at), client.device, client.ip, id);
      else db.run("UPDATE sessions SET last_used_at = max(coalesce(last_used_at, 0), ?) WHERE id = ?", ms(at), id);
    },
    touchSessions(ids, at) {
      for (const id of new Set(ids)) db.run("UPDATE sessions SET last_used_at = max(coalesce(last_used_at, 0), ?) WHERE id = ?", ms(at), id);
    },
    revokeSession(id, reason, at) {
      return db.run("UPDATE sessions SET revoked_at = ?, revoked_reason = ? WHERE id = ? AND revoked_at IS NULL", ms(at), reason, id) === 1;
    },
    addRefreshToken(t) {
      putRefreshToken(db, { ...t, used_at: null }, false);
    },
    refreshToken(id) {
      const r = db.get("SELECT * FROM refresh_tokens WHERE id = ?", id);
      return r ? refreshTokenFromRow(r) : null;
    },
    claimRefreshToken(id, at) {
      // One process, serial statements: the conditional UPDATE succeeds for the first caller only.
      return db.run("UPDATE refresh_tokens SET used_at = ? WHERE id = ? AND used_at IS NULL", ms(at), id) === 1;
    },
    pruneExpired(now) {
      // A claim is the token's used_at, so it goes with its token.
      return db.tx(
        () => db.run("DELETE FROM sessions WHERE expires_at < ?", ms(now)) + db.run("DELETE FROM refresh_tokens WHERE expires_at < ?", ms(now)),
      );
    },
  };
  return asyncRepo(db, repo);
}
