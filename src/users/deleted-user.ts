// What a deleted account looks like to everyone else. Kept apart from the deletion job
// (src/account) so that the read side (message redaction, user facts) can use it without
// importing the job and everything it composes.
import type { UserCard } from "../contract/models.ts";

export const DELETED_USER_NAME = "Deleted user";
/** The suspension reason a deleted account's tombstone carries (the row is suspended for good). */
export const DELETED_REASON = "account_deleted";

/** The card a deleted user's messages and profile show. */
export const deletedCard = (userId: string): UserCard => ({ id: userId, username: `deleted-${userId}`, display_name: DELETED_USER_NAME, avatar_url: null });

/** True for the tombstone row of an account deleted (or being deleted) through the API. */
export const isDeletedAccount = (user: { suspension_reason: string | null }): boolean => user.suspension_reason === DELETED_REASON;
