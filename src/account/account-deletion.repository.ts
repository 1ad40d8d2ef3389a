// Account deletion (issue 15): the job that makes a deletion resumable, and the bulk writes
// it needs that no other feature does. Every write here is idempotent, so a deletion killed
// at any point is finished by running its remaining steps again (account-deletion.service.ts).
import type { UserCard } from "../contract/models.ts";
import type { UploadRecord } from "../media/upload.repository.ts";

/** The steps, in order; a job's `step` is the next one to run. */
export const DELETION_STEPS = ["sessions", "partner", "groups", "personal", "uploads", "reactions", "messages", "audit", "done"] as const;
export type DeletionStep = (typeof DELETION_STEPS)[number];

export interface DeletionJob {
  user_id: string;
  step: DeletionStep;
  /** Where the paged step stands (messages: the last message id done); null: at its start. */
  cursor: string | null;
  started_at: Date;
  updated_at: Date;
  /** Set once every step ran. */
  finished_at: Date | null;
}

/** What the user row becomes: no phone, email, password or profile fields; a far suspension so that nothing lets it in. */
export interface UserTombstone {
  phone: string;
  username: string;
  display_name: string;
  suspended_until: Date;
  suspension_reason: string;
}

export interface AccountDeletionRepository {
  /**
   * Records the job (unless one exists: the existing one is returned) and replaces the user
   * row by its tombstone (phone and username released, email/password/mood/avatar cleared,
   * suspended for good; partner_id kept for the break-up step). SQLite: one transaction;
   * MongoDB: the job insert, then the user update (redone by a resumed job). Null when there
   * is no such user and no job.
   */
  begin(userId: string, at: Date, tombstone: UserTombstone): Promise<DeletionJob | null>;
  job(userId: string): Promise<DeletionJob | null>;
  /** Jobs not finished, oldest first, at most `limit` (what a starting server resumes). */
  unfinished(limit: number): Promise<DeletionJob[]>;
  /** Records progress: the next step and its cursor. */
  advance(userId: string, step: DeletionStep, cursor: string | null, at: Date): Promise<void>;
  /**
   * One page of the user's messages (ordered by id, after `afterId`): content, mentions and
   * reactions wiped, marked deleted (seq kept), the sender card replaced by `card`. Returns
   * the last id of the page (null: none left) and the conversations touched.
   */
  tombstoneMessagesOf(userId: string, afterId: string | null, limit: number, card: UserCard, at: Date): Promise<{ lastId: string | null; count: number; keys: string[] }>;
  /** Removes up to `limit` of the user's reactions on any message; returns how many. */
  removeReactionsOf(userId: string, limit: number): Promise<number>;
  /** Up to `limit` of the user's uploads with an id after `afterId`, by id (deletion and export). */
  uploadsOf(userId: string, afterId: string | null, limit: number): Promise<UploadRecord[]>;
  /** Forgets these uploads (their files were removed). */
  removeUploads(ids: readonly string[]): Promise<void>;
  /** The profile, every push subscription of the user, and blocks in both directions. */
  removePersonalData(userId: string): Promise<void>;
  /** Makes `ownerId` the group's owner (groups.owner_id); the member role is set by the caller. */
  setGroupOwner(groupId: string, ownerId: string): Promise<void>;
}
