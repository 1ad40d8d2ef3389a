// A user's security events (src/audit/audit.service.ts says which and why): appended, read
// newest first a page at a time, and pruned by age.

/** Flat values only: a log line per event, which both databases store and the document states as a typed map. */
export type AuditData = Record<string, string | number | boolean | null>;

export interface AuditRecord {
  id: string;
  user_id: string;
  type: string;
  at: Date;
  /** The address of the request that caused it, when a request did. */
  ip: string | null;
  /** The device label of that request (src/auth/device-label.ts). */
  device: string | null;
  data: AuditData;
}

/** A position in a user's events: the page goes on strictly before (at, id). */
export interface AuditCursor {
  at: Date;
  id: string;
}

export interface AuditRepository {
  /** Stores a new event (a fresh id). */
  append(e: AuditRecord): Promise<void>;
  /** The user's events newest first (by at, then id, both descending), strictly before `before` when given. */
  ofUser(userId: string, before: AuditCursor | null, limit: number): Promise<AuditRecord[]>;
  /** Deletes every event older than `before`; returns how many went. */
  prune(before: Date): Promise<number>;
}
