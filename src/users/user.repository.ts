// What the server stores about a user, and the operations the features need on it.
export interface UserRecord {
  id: string;
  phone: string;
  username: string;
  display_name: string;
  password_hash: string;
  email: string | null;
  mood: string | null;
  avatar_url: string | null;
  bubble_color: string | null;
  partner_id: string | null;
  /** Suspended by an operator until then (a far date: indefinitely); null: not suspended. A past date is a lapsed suspension. */
  suspended_until: Date | null;
  suspension_reason: string | null;
  created_at: Date;
  updated_at: Date;
}

export interface NewUser {
  id: string;
  phone: string;
  username: string;
  display_name: string;
  password_hash: string;
  email: string | null;
}

export type UserPatch = Partial<Pick<UserRecord, "display_name" | "mood" | "email" | "avatar_url" | "bubble_color">>;

export interface UserRepository {
  /** Throws DuplicateKeyError with key "phone" or "username" (phone reported first when both collide). */
  create(user: NewUser): Promise<UserRecord>;
  byId(id: string): Promise<UserRecord | null>;
  /** Unknown ids are left out; order not guaranteed. */
  byIds(ids: readonly string[]): Promise<UserRecord[]>;
  byPhone(phone: string): Promise<UserRecord | null>;
  byUsername(username: string): Promise<UserRecord | null>;
  /** Sets the given fields and updated_at; null when there is no such user. */
  update(id: string, patch: UserPatch): Promise<UserRecord | null>;
  /** Replaces the password hash (a password change) and sets updated_at; false when there is no such user. */
  setPasswordHash(id: string, passwordHash: string): Promise<boolean>;
  /**
   * Makes a and b each other's partner if both are free. "a_taken"/"b_taken": that side
   * already has a partner (nothing changed). Atomic on SQLite (a transaction); on MongoDB a
   * claim of each side with an undo of the first when the second is taken.
   */
  linkPartners(a: string, b: string): Promise<"linked" | "a_taken" | "b_taken">;
  /**
   * Clears the link between a and b (each side only if it still points at the other): a
   * break-up. True when this call cleared a's link to b. Atomic on SQLite (a transaction);
   * on MongoDB both documents, then both claims, and a half-done unlink (a crash in between)
   * is finished by the next link of either side once its claim settled (storage/mongo/users.ts).
   */
  unlinkPartners(a: string, b: string): Promise<boolean>;
  /** Sets (until and reason) or lifts (null) the user's suspension; updated_at stays. Null when there is no such user. */
  setSuspension(id: string, suspension: { until: Date; reason: string } | null): Promise<UserRecord | null>;
}
