import type { NewUser, UserPatch, UserRecord, UserRepository } from "../../users/user.repository.ts";
import { DuplicateKeyError } from "../errors.ts";
import { asyncRepo, date, dateOrNull, given, list, ms, msOrNull, str, strOrNull, uniqueViolation, type Row, type SqliteDb, type Sync } from "./database.ts";

export function userFromRow(r: Row): UserRecord {
  return {
    id: str(r.id),
    phone: str(r.phone),
    username: str(r.username),
    display_name: str(r.display_name),
    password_hash: str(r.password_hash),
    email: strOrNull(r.email),
    mood: strOrNull(r.mood),
    avatar_url: strOrNull(r.avatar_url),
    bubble_color: strOrNull(r.bubble_color),
    partner_id: strOrNull(r.partner_id),
    suspended_until: dateOrNull(r.suspended_until),
    suspension_reason: strOrNull(r.suspension_reason),
    created_at: date(r.created_at),
    updated_at: date(r.updated_at),
  };
}

/** Inserts or replaces the whole record (also used by db:copy). */
export function putUser(db: SqliteDb, u: UserRecord, replace: boolean): void {
  db.run(
    `INSERT ${replace ? "OR REPLACE " : ""}INTO users (id, phone, username, display_name, password_hash, email, mood, avatar_url, bubble_color, partner_id, created_at, updated_at, suspended_until, suspension_reason)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    u.id, u.phone, u.username, u.display_name, u.password_hash, u.email ?? null, u.mood ?? null, u.avatar_url ?? null,
    u.bubble_color ?? null, u.partner_id ?? null, ms(u.created_at), ms(u.updated_at), msOrNull(u.suspended_until), u.suspension_reason ?? null,
  );
}

const PATCHABLE = ["display_name", "mood", "email", "avatar_url", "bubble_color"] as const;

export function sqliteUsers(db: SqliteDb): UserRepository {
  const byId = (id: string) => {
    const r = db.get("SELECT * FROM users WHERE id = ?", id);
    return r ? userFromRow(r) : null;
  };
  const byPhone = (phone: string) => {
    const r = db.get("SELECT * FROM users WHERE phone = ?", phone);
    return r ? userFromRow(r) : null;
  };

  const repo: Sync<UserRepository> = {
    create(u: NewUser) {
      const now = new Date();
      const user: UserRecord = {
        id: u.id, phone: u.phone, username: u.username, display_name: u.display_name, password_hash: u.password_hash, email: u.email ?? null,
        mood: null, avatar_url: null, bubble_color: null, partner_id: null, suspended_until: null, suspension_reason: null, created_at: now, updated_at: now,
      };
      try {
        putUser(db, user, false);
      } catch (e) {
        const columns = uniqueViolation(e);
        if (!columns) throw e;
        // SQLite reports whichever index it checked first; the contract says phone first.
        if (columns.includes("phone") || byPhone(u.phone)) throw new DuplicateKeyError("phone");
        if (columns.includes("username")) throw new DuplicateKeyError("username");
        if (columns.includes("id")) throw new DuplicateKeyError("id");
        throw e;
      }
      return user;
    },
    byId,
    byIds(ids) {
      return db.all("SELECT * FROM users WHERE id IN (SELECT value FROM json_each(?))", list(ids)).map(userFromRow);
    },
    byPhone,
    byUsername(username) {
      const r = db.get("SELECT * FROM users WHERE username = ?", username);
      return r ? userFromRow(r) : null;
    },
    update(id, patch: UserPatch) {
      return db.tx(() => {
        const current = byId(id);
        if (!current) return null;
        const next: UserRecord = { ...current, ...given<UserRecord>(patch, PATCHABLE), updated_at: new Date() };
        db.run(
          "UPDATE users SET display_name = ?, mood = ?, email = ?, avatar_url = ?, bubble_color = ?, updated_at = ? WHERE id = ?",
          next.display_name, next.mood, next.email, next.avatar_url, next.bubble_color, ms(next.updated_at), id,
        );
        return next;
      });
    },
    linkPartners(a, b) {
      // Each side is claimed only while free; the second failing undoes the first (rollback).
      const claim = "UPDATE users SET partner_id = ?, updated_at = ? WHERE id = ? AND partner_id IS NULL";
      const now = Date.now();
      try {
        return db.tx(() => {
          if (db.run(claim, b, now, a) !== 1) return "a_taken";
          if (db.run(claim, a, now, b) !== 1) throw new BTaken();
          return "linked";
        });
      } catch (e) {
        if (e instanceof BTaken) return "b_taken";
        throw e;
      }
    },
    setSuspension(id, suspension) {
      const r = db.get(
        "UPDATE users SET suspended_until = ?, suspension_reason = ? WHERE id = ? RETURNING *",
        suspension ? ms(suspension.until) : null, suspension?.reason ?? null, id,
      );
      return r ? userFromRow(r) : null;
    },
    setPasswordHash(id, passwordHash) {
      return db.run("UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ?", passwordHash, ms(new Date()), id) === 1;
    },
    unlinkPartners(a, b) {
      return db.tx(() => {
        const unlink = "UPDATE users SET partner_id = NULL, updated_at = ? WHERE id = ? AND partner_id = ?";
        const now = Date.now();
        const cleared = db.run(unlink, now, a, b) === 1;
        db.run(unlink, now, b, a);
        return cleared;
      });
    },
  };
  return asyncRepo(db, repo);
}

/** Thrown inside the link transaction to roll back a's claim. */
class BTaken extends Error {}
