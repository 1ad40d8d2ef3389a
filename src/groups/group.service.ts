// Groups: CRUD with an owner, admins and members; public groups are listed and joinable,
// private ones only by invitation (an admin adds the member). Each member is one record
// of the group's conversation (conversation.repository.ts), so every join, leave, removal
// and role change is one atomic write of its own. Sockets join the group's room after the
// membership is stored and leave it after it is removed, on every node (the notifier).
import { randomBytes } from "node:crypto";
import type { GroupSummary } from "../contract/models.ts";
import type { Notifier } from "../events/notifier.ts";
import type { ConversationRepository, MemberRecord, MemberRole } from "../messaging/conversation.repository.ts";
import { createConversationKeys } from "../messaging/conversation-keys.ts";
import type { LatestWindow } from "../messaging/latest-window.ts";
import type { ReadStateService } from "../messaging/read-state.service.ts";
import type { PushTriggers } from "../push/push-triggers.ts";
import { unreadFields } from "../messaging/unread.ts";
import { AppError, badRequest, forbidden, notFound } from "../shared/errors.ts";
import { DuplicateKeyError } from "../storage/errors.ts";
import type { UserRepository } from "../users/user.repository.ts";
import type { GroupSanctionRepository } from "../moderation/group-sanctions.repository.ts";
import type { GroupRecord, GroupRepository } from "./group.repository.ts";
import { groupKey, isManagerRole } from "./group.policy.ts";
import type { UpdateGroupBody, UpsertGroupBody } from "./group.schemas.ts";

export interface GroupDeps {
  groups: GroupRepository;
  conversations: ConversationRepository;
  users: UserRepository;
  window: LatestWindow;
  notifier: Notifier;
  readStates: ReadStateService;
  /** Pushes to members with no device connected (src/push/push-triggers.ts); returns at once. */
  push?: PushTriggers;
  /** Bans (src/moderation): a banned user cannot join or be added; a deleted group's bans go with it. */
  sanctions?: Pick<GroupSanctionRepository, "banOf" | "clearGroup">;
}

const MAX_LISTED = 500;

export function toGroupSummary(g: GroupRecord, members: readonly MemberRecord[]): GroupSummary {
  return {
    id: g.id,
    name: g.name,
    description: g.description,
    is_public: g.is_public,
    owner_id: g.owner_id,
    avatar_url: g.avatar_url ?? null,
    members: members.map((m) => ({ user_id: m.user_id, role: m.role })),
    created_at: g.created_at.toISOString(),
    updated_at: g.updated_at.toISOString(),
  };
}

export function createGroupService(d: GroupDeps) {
  // Every /groups connect asks (a reconnect storm: thousands at once), so reads are shared.
  const memberKeys = createConversationKeys(d.conversations);
  const target = (groupId: string, memberIds: string[] = []) => ({ ns: "groups" as const, key: groupKey(groupId), publicId: groupId, type: "group" as const, memberIds });

  /** The group as the caller may see it, with the caller's role (null: not a member). */
  async function load(groupId: string, userId: string): Promise<{ group: GroupRecord; role: MemberRole | null }> {
    const [group, me] = await Promise.all([d.groups.byId(groupId), d.conversations.member(groupKey(groupId), userId)]);
    if (!group || (!group.is_public && !me)) throw notFound("Group");
    return { group, role: me?.role ?? null };
  }

  async function manage(groupId: string, userId: string) {
    const loaded = await load(groupId, userId);
    if (!isManagerRole(loaded.role)) throw forbidden("Only the group's owner or admins can do that");
    return loaded;
  }

  async function summary(groupId: string): Promise<GroupSummary> {
    const [group, members] = await Promise.all([d.groups.byId(groupId), d.conversations.members(groupKey(groupId))]);
    if (!group) throw notFound("Group");
    return toGroupSummary(group, members);
  }

  /** After a membership write: bump updated_at, tell the members, return the group as it is now. */
  async function announce(groupId: string): Promise<GroupSummary> {
    await d.groups.touch(groupId, new Date());
    const group = await summary(groupId);
    await d.notifier.toConversation(target(groupId), "group_updated", { group });
    return group;
  }

  async function assertUsersExist(ids: string[]) {
    const found = await d.users.byIds(ids);
    if (found.length !== new Set(ids).size) throw new AppError("validation_error", "member_ids: contains an unknown user id");
  }

  async function assertNotBanned(groupId: string, userId: string) {
    if (await d.sanctions?.banOf(groupId, userId)) throw new AppError("banned_from_group", "This user is banned from the group; a group admin must unban them first");
  }

  /**
   * Takes a member out without a permission check (the caller decided: removeMember, or a
   * moderation action), tells everyone it concerned; false when not a member.
   */
  async function expel(groupId: string, memberId: string): Promise<boolean> {
    const before = (await d.conversations.members(groupKey(groupId))).map((m) => m.user_id);
    if (!(await d.conversations.removeMember(groupKey(groupId), memberId))) return false;
    d.notifier.leaveConversation(target(groupId), [memberId]);
    // Addressed to the people (including the one removed), not the conversation: the removed
    // member is no longer in it, and must still learn it through sync.
    await d.notifier.toUsers("groups", before, "group_member_removed", { group_id: groupId, user_id: memberId });
    await d.groups.touch(groupId, new Date());
    await d.readStates.left(target(groupId), [memberId]);
    return true;
  }

  /** The group after adding the member; null when the member was there already (the member record is unique: of two adds racing past a check, one stores it). */
  async function addMember(groupId: string, memberId: string, role: MemberRole): Promise<GroupSummary | null> {
    if (!(await d.conversations.addMember(groupKey(groupId), { user_id: memberId, role, joined_at: new Date() }))) return null;
    // A ban written while this add was past its check: the ban's removal may have run before
    // this insert, so look again now that the member is stored, and undo it.
    if (await d.sanctions?.banOf(groupId, memberId)) {
      await d.conversations.removeMember(groupKey(groupId), memberId);
      throw new AppError("banned_from_group", "This user is banned from the group; a group admin must unban them first");
    }
    d.notifier.joinConversation(target(groupId), [memberId]);
    return announce(groupId);
  }

  return {
    /** The ids of the groups the user is a member of (the rooms a /groups socket joins). */
    async groupIdsOf(userId: string): Promise<string[]> {
      const prefix = groupKey("");
      return (await memberKeys.of(userId)).filter((k) => k.startsWith(prefix)).map((k) => k.slice(prefix.length));
    },

    /** The visible groups with the caller's unread state in each (none where not a member), and the caller's unread total over all conversations. */
    async list(userId: string, mineOnly: boolean) {
      const [groups, unread] = await Promise.all([d.groups.listVisible(userId, mineOnly, MAX_LISTED), d.readStates.unreadOf(userId)]);
      // One read for every listed group's members (a read per group cost ~190 per request).
      const byKey = await d.conversations.membersOfMany(groups.map((g) => groupKey(g.id)));
      const list = groups.map((g) => {
        const members = byKey.get(groupKey(g.id)) ?? [];
        return { ...toGroupSummary(g, members), is_member: members.some((m) => m.user_id === userId), ...unreadFields(unread.byKey.get(groupKey(g.id))) };
      });
      return { groups: list, unread_total: unread.total };
    },

    async get(userId: string, groupId: string) {
      await load(groupId, userId);
      return summary(groupId);
    },

    /** Create, or (for an existing id) update when the caller manages the group. */
    async upsert(userId: string, body: UpsertGroupBody): Promise<{ group: GroupSummary; created: boolean }> {
      const groupId = body.group_id ?? `g-${randomBytes(8).toString("hex")}`;
      if (await d.groups.byId(groupId)) {
        const { name, description, is_public, avatar_url } = body;
        return { group: await this.update(userId, groupId, { name, description, is_public, avatar_url }), created: false };
      }
      const memberIds = [...new Set(body.member_ids.filter((id) => id !== userId))];
      if (memberIds.length) await assertUsersExist(memberIds);
      const members = [{ user_id: userId, role: "owner" as const }, ...memberIds.map((id) => ({ user_id: id, role: "member" as const }))];
      try {
        await d.groups.create(
          { id: groupId, name: body.name, description: body.description ?? "", is_public: body.is_public ?? true, owner_id: userId, avatar_url: body.avatar_url ?? null, created_at: new Date() },
          members,
        );
      } catch (err) {
        if (err instanceof DuplicateKeyError) throw new AppError("conflict", "group_id: already exists");
        throw err;
      }
      d.notifier.joinConversation(target(groupId), members.map((m) => m.user_id));
      for (const memberId of memberIds) d.push?.groupInvite(groupId, userId, memberId);
      const group = await summary(groupId);
      await d.notifier.toConversation(target(groupId), "group_updated", { group });
      return { group, created: true };
    },

    async update(userId: string, groupId: string, patch: UpdateGroupBody) {
      await manage(groupId, userId);
      const set = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined));
      if (!(await d.groups.update(groupId, set))) throw notFound("Group");
      const group = await summary(groupId);
      await d.notifier.toConversation(target(groupId), "group_updated", { group });
      return group;
    },

    async remove(userId: string, groupId: string) {
      const { group } = await load(groupId, userId);
      if (group.owner_id !== userId) throw forbidden("Only the owner can delete the group");
      const memberIds = (await d.conversations.members(groupKey(groupId))).map((m) => m.user_id);
      // Addressed to the members themselves: the conversation is about to disappear, and an
      // offline member must still find this event in sync.
      await d.notifier.toUsers("groups", memberIds, "group_deleted", { group_id: groupId });
      d.notifier.leaveConversation(target(groupId), memberIds);
      // Its bans go first: the id may be taken again by a new group, which starts with none.
      await d.sanctions?.clearGroup(groupId);
      await d.groups.remove(groupId);
      await d.window.invalidate(groupKey(groupId));
      await d.readStates.left(target(groupId), memberIds);
    },

    async join(userId: string, groupId: string) {
      const { group, role } = await load(groupId, userId);
      if (role) return summary(groupId);
      if (!group.is_public) throw notFound("Group");
      await assertNotBanned(groupId, userId);
      return (await addMember(groupId, userId, "member")) ?? summary(groupId);
    },

    async addMember(userId: string, groupId: string, memberId: string, role: Exclude<MemberRole, "owner">) {
      const { group } = await manage(groupId, userId);
      // One rule with setRole: only the owner makes admins.
      if (role === "admin" && group.owner_id !== userId) throw forbidden("Only the owner can make admins");
      if (await d.conversations.member(groupKey(groupId), memberId)) throw badRequest("user_id: is already a member");
      await assertUsersExist([memberId]);
      await assertNotBanned(groupId, memberId);
      const added = await addMember(groupId, memberId, role);
      if (!added) throw badRequest("user_id: is already a member");
      d.push?.groupInvite(groupId, userId, memberId);
      return added;
    },

    async setRole(userId: string, groupId: string, memberId: string, role: Exclude<MemberRole, "owner">) {
      const { group } = await load(groupId, userId);
      if (group.owner_id !== userId) throw forbidden("Only the owner can change roles");
      if (memberId === group.owner_id) throw badRequest("The owner's role cannot change");
      if (!(await d.conversations.setRole(groupKey(groupId), memberId, role))) throw notFound("Member");
      return announce(groupId);
    },

    /** Removes a member: an admin removing someone, or anyone leaving. The owner cannot leave. */
    async removeMember(userId: string, groupId: string, memberId: string) {
      const { group, role } = await load(groupId, userId);
      if (userId !== memberId && !isManagerRole(role)) throw forbidden("Only the group's owner or admins can remove members");
      if (memberId === group.owner_id) throw badRequest("The owner cannot leave or be removed; delete the group instead");
      const removed = await d.conversations.member(groupKey(groupId), memberId);
      if (!removed) throw notFound("Member");
      if (removed.role === "admin" && userId !== memberId && group.owner_id !== userId) throw forbidden("Only the owner can remove an admin");
      if (!(await expel(groupId, memberId))) throw notFound("Member");
      return summary(groupId);
    },

    /** Removes a member with no permission check: for moderation (src/moderation), which checked. False when not a member. */
    expel,
  };
}

export type GroupService = ReturnType<typeof createGroupService>;
