// Groups: the group's own record. Its members are the members of its conversation
// (`group:<id>`, ConversationRepository), one record each.
import type { MemberRole } from "../messaging/conversation.repository.ts";

export interface GroupRecord {
  id: string;
  name: string;
  description: string;
  is_public: boolean;
  owner_id: string;
  avatar_url: string | null;
  created_at: Date;
  updated_at: Date;
}

export type GroupPatch = Partial<Pick<GroupRecord, "name" | "description" | "is_public" | "avatar_url">>;

export interface GroupRepository {
  /**
   * Creates the group, its conversation (`group:<id>`) and its members. DuplicateKeyError
   * ("id") when the id is taken. SQLite: one transaction. MongoDB: the group insert is the
   * claim, then the conversation and members.
   */
  create(g: Omit<GroupRecord, "updated_at">, members: readonly { user_id: string; role: MemberRole }[]): Promise<GroupRecord>;
  byId(id: string): Promise<GroupRecord | null>;
  /** Sets the fields and updated_at; null when missing. */
  update(id: string, patch: GroupPatch): Promise<GroupRecord | null>;
  /** Bumps updated_at (after a membership change). */
  touch(id: string, at: Date): Promise<void>;
  /** Deletes the group, its conversation, members and messages. False when missing. */
  remove(id: string): Promise<boolean>;
  /**
   * Groups the user may see in a list: public ones and the user's own (mineOnly: only the
   * user's own), most recently updated first, at most `limit`.
   */
  listVisible(userId: string, mineOnly: boolean, limit: number): Promise<GroupRecord[]>;
}
