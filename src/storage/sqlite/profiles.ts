import type { ProfilePatch, ProfileRecord, ProfileRepository } from "../../profiles/profile.repository.ts";
import { asyncRepo, date, given, json, ms, parse, str, strOrNull, type Row, type SqliteDb, type Sync } from "./database.ts";

export function profileFromRow(r: Row): ProfileRecord {
  return {
    user_id: str(r.user_id),
    bio: str(r.bio),
    birthdate: strOrNull(r.birthdate),
    gender: strOrNull(r.gender),
    interests: parse<string[]>(r.interests),
    looking_for: strOrNull(r.looking_for),
    city: strOrNull(r.city),
    photos: parse<string[]>(r.photos),
    social_links: parse<{ platform: string; url: string }[]>(r.social_links),
    updated_at: date(r.updated_at),
  };
}

export function putProfile(db: SqliteDb, p: ProfileRecord): void {
  db.run(
    `INSERT OR REPLACE INTO profiles (user_id, bio, birthdate, gender, interests, looking_for, city, photos, social_links, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    p.user_id, p.bio ?? "", p.birthdate ?? null, p.gender ?? null, json(p.interests ?? []), p.looking_for ?? null, p.city ?? null,
    json(p.photos ?? []), json(p.social_links ?? []), ms(p.updated_at),
  );
}

const FIELDS = ["bio", "birthdate", "gender", "interests", "looking_for", "city", "photos", "social_links"] as const;

export function sqliteProfiles(db: SqliteDb): ProfileRepository {
  const get = (userId: string) => {
    const r = db.get("SELECT * FROM profiles WHERE user_id = ?", userId);
    return r ? profileFromRow(r) : null;
  };
  const repo: Sync<ProfileRepository> = {
    get,
    upsert(userId, patch: ProfilePatch, at) {
      // Read, merge, write in one transaction: the fields not given keep their value.
      return db.tx(() => {
        const current: ProfileRecord = get(userId) ?? {
          user_id: userId, bio: "", birthdate: null, gender: null, interests: [], looking_for: null, city: null, photos: [], social_links: [], updated_at: at,
        };
        const next: ProfileRecord = { ...current, ...given<ProfileRecord>(patch, FIELDS), updated_at: at };
        putProfile(db, next);
        return next;
      });
    },
  };
  return asyncRepo(db, repo);
}
