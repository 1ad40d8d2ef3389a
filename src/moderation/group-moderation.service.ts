// A group's owner and admins moderate it: ban and unban (a banned user is removed and cannot
// join or be added again until unbanned: group.service.ts checks), and mute a member for a
// time (they still read, but sending is refused with muted_in_group: group.policy.ts checks).
// Operators act here too, when they resolve a report. Every change reaches the group live
// (group_member_banned / _unbanned / _muted, and group_member_removed for the one removed).
//
// Who may do it to whom: never to yourself or to the owner; to an admin, only the owner (or
// an operator). The same rule as removing a member (group.service.ts removeMember).
import type { GroupBanDto, GroupMuteDto, MemberMuteDto } from "./moderation.schemas.ts";
import { BANS_LISTED_MAX, MUTES_LISTED_MAX } from "./moderation.schemas.ts";
import type { GroupRepository } from "../groups/group.repository.ts";
import { groupKey, isManagerRole } from "../groups/group.policy.ts";
import type { Notifier } from "../events/notifier.ts";
import type { ConversationRepository, MemberRecord } from "../messaging/conversation.repository.ts";
import { AppError, badRequest, forbidden, notFound } from "../shared/errors.ts";
import type { UserRepository } from "../users/user.repository.ts";
import type { GroupBanRecord, GroupSanctionRepository, PostBlockRecord } from "./group-sanctions.repository.ts";
import type { Moderator, RecordModeration } from "./moderation-audit.ts";

export interface GroupModerationDeps {
  groups: Pick<GroupRepository, "byId">;
  conversations: Pick<ConversationRepository, "member" | "members">;
  sanctions: GroupSanctionRepository;
  users: Pick<UserRepository, "byId">;
  /** Takes a member out and tells everyone it concerned (group.service.ts expel). */
  expel(groupId: string, memberId: string): Promise<boolean>;
  notifier: Notifier;
  record: RecordModeration;
}

export const toBanDto = (b: GroupBanRecord): GroupBanDto => ({ group_id: b.group_id, user_id: b.user_id, banned_by: b.banned_by, reason: b.reason, created_at: b.created_at.toISOString() });

const toMuteDto = (b: PostBlockRecord): GroupMuteDto => ({ group_id: b.group_id, user_id: b.user_id, until: b.until.toISOString(), muted_by: b.blocked_by, created_at: b.created_at.toISOString() });

export function createGroupModeration(d: GroupModerationDeps) {
  const room = (groupId: string) => ({ ns: "groups" as const, key: groupKey(groupId), publicId: groupId, type: "group" as const, memberIds: [] });

  /** The group, if the actor moderates it: its owner or an admin, or an operator. A private group stays invisible (404) to outsiders. */
  async function authority(groupId: string, actor: Moderator) {
    const [group, me] = await Promise.all([d.groups.byId(groupId), d.conversations.member(groupKey(groupId), actor.id)]);
    if (!group) throw notFound("Group");
    if (actor.operator) return { group, role: "operator" as const };
    if (!group.is_public && !me) throw notFound("Group");
    if (!isManagerRole(me?.role)) throw forbidden("Only the group's owner or admins can do that");
    return { group, role: me!.role };
  }

  /** The target's member record (null: not a member), once the actor may act on them. */
  async function assertCanSanction(auth: Awaited<ReturnType<typeof authority>>, actor: Moderator, userId: string): Promise<MemberRecord | null> {
    if (userId === actor.id) throw badRequest("user_id: you cannot do this to yourself");
    if (userId === auth.group.owner_id) throw badRequest("user_id: the owner cannot be banned, removed or muted (delete the group instead)");
    const member = await d.conversations.member(groupKey(auth.group.id), userId);
    if (member?.role === "admin" && auth.role === "admin") throw forbidden("Only the owner can ban, remove or mute an admin");
    return member;
  }

  /** Every member and the user, once each: who hears of a ban or unban (the user may not be a member). */
  async function membersAnd(groupId: string, userId: string): Promise<string[]> {
    const ids = (await d.conversations.members(groupKey(groupId))).map((m) => m.user_id);
    return [...new Set([...ids, userId])];
  }

  return {
    authority,

    async bans(actor: Moderator, groupId: string): Promise<{ bans: GroupBanDto[] }> {
      await authority(groupId, actor);
      return { bans: (await d.sanctions.bans(groupId, BANS_LISTED_MAX)).map(toBanDto) };
    },

    /**
     * Who cannot post until when: every mute in force for the owner, admins and operators; a
     * plain member sees only their own (whether and until when they are muted). Outsiders are
     * refused like everywhere in a group: 404 for a private group, 403 for a public one.
     */
    async mutes(actor: Moderator, groupId: string): Promise<{ mutes: GroupMuteDto[] }> {
      const now = new Date();
      const [group, me] = await Promise.all([d.groups.byId(groupId), d.conversations.member(groupKey(groupId), actor.id)]);
      if (!group) throw notFound("Group");
      if (actor.operator || isManagerRole(me?.role)) return { mutes: (await d.sanctions.postBlocks(groupId, now, MUTES_LISTED_MAX)).map(toMuteDto) };
      if (!me) throw group.is_public ? forbidden("Join the group to see its mutes") : notFound("Group");
      const own = await d.sanctions.postBlockOf(groupId, actor.id);
      return { mutes: own && own.until > now ? [toMuteDto(own)] : [] };
    },

    /** Bans the user (banning again updates who and when), removing them when a member. */
    async ban(actor: Moderator, groupId: string, userId: string, o: { reason?: string | null; report_id?: string } = {}): Promise<GroupBanDto> {
      const auth = await authority(groupId, actor);
      const member = await assertCanSanction(auth, actor, userId);
      if (!member && !(await d.users.byId(userId))) throw notFound("User");
      const ban: GroupBanRecord = { group_id: groupId, user_id: userId, banned_by: actor.id, reason: o.reason ?? null, created_at: new Date() };
      // The ban first, then the removal: a join racing past the ban check looks again after
      // its insert (group.service.ts addMember) and undoes itself.
      await d.sanctions.ban(ban);
      const told = await membersAnd(groupId, userId);
      if (member) await d.expel(groupId, userId);
      await d.notifier.toUsers("groups", told, "group_member_banned", { group_id: groupId, user_id: userId });
      await d.record({ type: "moderation_action", subject: userId, actor, data: { action: "group_ban", group_id: groupId, report_id: o.report_id ?? null } });
      return toBanDto(ban);
    },

    async unban(actor: Moderator, groupId: string, userId: string): Promise<void> {
      await authority(groupId, actor);
      if (!(await d.sanctions.unban(groupId, userId))) throw notFound("Ban");
      await d.notifier.toUsers("groups", await membersAnd(groupId, userId), "group_member_unbanned", { group_id: groupId, user_id: userId });
      await d.record({ type: "moderation_action", subject: userId, actor, data: { action: "group_unban", group_id: groupId } });
    },

    /** Takes a member out of the group (a report's remove_from_group); nothing to do when they are not a member any more. */
    async remove(actor: Moderator, groupId: string, userId: string, o: { report_id?: string } = {}): Promise<void> {
      const auth = await authority(groupId, actor);
      if (!(await assertCanSanction(auth, actor, userId))) return;
      if (await d.expel(groupId, userId)) {
        await d.record({ type: "moderation_action", subject: userId, actor, data: { action: "group_remove", group_id: groupId, report_id: o.report_id ?? null } });
      }
    },

    /** The member reads but cannot post until `until` (muting again replaces the time). */
    async mute(actor: Moderator, groupId: string, userId: string, until: Date): Promise<MemberMuteDto> {
      if (until.getTime() <= Date.now()) throw new AppError("validation_error", "until: must be in the future", { fields: [{ field: "until", message: "must be in the future" }] });
      const auth = await authority(groupId, actor);
      if (!(await assertCanSanction(auth, actor, userId))) throw notFound("Member");
      await d.sanctions.blockPosting({ group_id: groupId, user_id: userId, until, blocked_by: actor.id, created_at: new Date() });
      const state = { group_id: groupId, user_id: userId, until: until.toISOString() };
      await d.notifier.toConversation(room(groupId), "group_member_muted", state);
      await d.record({ type: "moderation_action", subject: userId, actor, data: { action: "group_mute", group_id: groupId, until: state.until } });
      return state;
    },

    /** Lets the member post again (harmless when they were not muted; they need not be a member any more). */
    async unmute(actor: Moderator, groupId: string, userId: string): Promise<MemberMuteDto> {
      const auth = await authority(groupId, actor);
      await assertCanSanction(auth, actor, userId);
      const state = { group_id: groupId, user_id: userId, until: null };
      if (await d.sanctions.unblockPosting(groupId, userId)) {
        await d.notifier.toConversation(room(groupId), "group_member_muted", state);
        await d.record({ type: "moderation_action", subject: userId, actor, data: { action: "group_unmute", group_id: groupId } });
      }
      return state;
    },
  };
}

export type GroupModeration = ReturnType<typeof createGroupModeration>;
