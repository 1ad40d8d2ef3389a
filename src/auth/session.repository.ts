// Sessions (one refresh-token family: one login on one device) and their refresh tokens.
import type { ClientInfo } from "../shared/client-info.ts";

export interface SessionRecord {
  id: string; // the `sid` claim
  user_id: string;
  revoked_at: Date | null;
  revoked_reason: string | null;
  expires_at: Date;
  created_at: Date;
  /** A short label of the device ("Chrome on Linux"), from the User-Agent at login or at the latest refresh; null when none was sent. */
  device: string | null;
  /** The client's address (as Express sees it, TRUST_PROXY applied) at login or at the latest refresh. */
  ip: string | null;
  /** Login, refresh, or an authenticated request (written at most every few minutes: session-activity.ts). */
  last_used_at: Date;
}

export interface NewSession {
  id: string;
  user_id: string;
  expires_at: Date;
  device?: string | null;
  ip?: string | null;
}

/** Where a session is used from: its device label and address. */
export type SessionClient = ClientInfo;

export interface RefreshTokenRecord {
  id: string; // jti
  session_id: string;
  user_id: string;
  used_at: Date | null;
  expires_at: Date;
}

export interface SessionRepository {
  /** created_at and last_used_at are now. */
  createSession(s: NewSession): Promise<void>;
  session(id: string): Promise<SessionRecord | null>;
  sessions(ids: readonly string[]): Promise<SessionRecord[]>;
  /** The user's sessions, newest first. */
  sessionsOf(userId: string): Promise<SessionRecord[]>;
  extendSession(id: string, expiresAt: Date): Promise<void>;
  /**
   * Moves last_used_at forward to `at` (never back: a late write from another node loses;
   * on FerretDB v1, whose updates are not atomic, two touches at the same instant may leave
   * the earlier time, which the next touch corrects); with `client` (a refresh), also sets the
   * device and address. Nothing for an unknown id.
   */
  touchSession(id: string, at: Date, client?: SessionClient): Promise<void>;
  /** touchSession without a client for many sessions in one write (the first uses on a node, after another died). */
  touchSessions(ids: readonly string[], at: Date): Promise<void>;
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
