export interface ProfileRecord {
  user_id: string;
  bio: string;
  birthdate: string | null; // YYYY-MM-DD
  gender: string | null;
  interests: string[];
  looking_for: string | null;
  city: string | null;
  photos: string[];
  social_links: { platform: string; url: string }[];
  updated_at: Date;
}

export type ProfilePatch = Partial<Omit<ProfileRecord, "user_id" | "updated_at">>;

export interface ProfileRepository {
  get(userId: string): Promise<ProfileRecord | null>;
  /** Creates or updates: the given fields, updated_at; others keep their value (defaults on creation). */
  upsert(userId: string, patch: ProfilePatch, at: Date): Promise<ProfileRecord>;
}
