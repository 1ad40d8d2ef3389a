// Sessions (one refresh-token family: one login on one device) and their refresh tokens.
export interface SessionRecord {
  id: string; // the `sid` claim
  user_id: string;
  revoked_at: Date | null;
  revoked_reason: string | null;
  expires_at: Date;
  created_at: Date;
}

export interface RefreshTokenRecord {
  id: string; // jti
  session_id: string;
  user_id: string;
  used_at: Date | null;
  expires_at: Date;
}

export interface SessionRepository {
  createSession(s: { id: string; user_id: string; expires_at: Date }): Promise<void>;
  session(id: string): Promise<SessionRecord | null>;
  sessions(ids: readonly string[]): Promise<SessionRecord[]>;
  /** The user's sessions, newest first. */
  sessionsOf(userId: string): Promise<SessionRecord[]>;
  extendSession(id: string, expiresAt: Date): Promise<void>;
  /** Marks it revoked unless it already is; true when this call revoked it. */
  revokeSession(id: string, reason: string, at: Date): Promise<boolean>;
  addRefreshToken(t: { id: string; session_id: string; user_id: string; expires_at: Date }): Promise<void>;
  refreshToken(id: string): Promise<RefreshTokenRecord | null>;
  /**
   * The single-use claim of a refresh token: true for the first caller only, on any number
   * of nodes at once (SQLite: a conditional UPDATE; MongoDB: an insert under a unique _id).
   */
  claimRefreshToken(id: string, at: Date): Promise<boolean>;
  /** Deletes sessions, tokens and claims past their expiry; returns how many rows went. */
  pruneExpired(now: Date): Promise<number>;
}
