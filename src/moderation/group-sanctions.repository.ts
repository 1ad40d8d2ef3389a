// What a group's managers impose on one user of the group: a ban (out of the group, and
// refused at join and add until lifted) and a post block (a member who still reads but
// cannot post until a time). Both are kept apart from the member record so that leaving
// and joining again lifts neither. Keyed by (group, user): one of each at most.
export interface GroupBanRecord {
  group_id: string;
  user_id: string;
  banned_by: string;
  reason: string | null;
  created_at: Date;
}

export interface PostBlockRecord {
  group_id: string;
  user_id: string;
  until: Date;
  blocked_by: string;
  created_at: Date;
}

export interface GroupSanctionRepository {
  /** Bans the user, or replaces the ban's author, reason and time; created is false when a ban existed. */
  ban(b: GroupBanRecord): Promise<{ created: boolean }>;
  /** False when the user was not banned. */
  unban(groupId: string, userId: string): Promise<boolean>;
  banOf(groupId: string, userId: string): Promise<GroupBanRecord | null>;
  /** The group's bans, newest first, at most `limit`. */
  bans(groupId: string, limit: number): Promise<GroupBanRecord[]>;
  /** Sets (or replaces) the user's post block. */
  blockPosting(b: PostBlockRecord): Promise<void>;
  /** False when there was none. */
  unblockPosting(groupId: string, userId: string): Promise<boolean>;
  /** The stored block, even one whose time has passed (the caller compares with its clock). */
  postBlockOf(groupId: string, userId: string): Promise<PostBlockRecord | null>;
  /** The group's post blocks still in force at `now` (until after it), soonest end first, at most `limit`. */
  postBlocks(groupId: string, now: Date, limit: number): Promise<PostBlockRecord[]>;
  /** Removes every ban and post block of the group (it is being deleted: its id may be reused). */
  clearGroup(groupId: string): Promise<void>;
}
