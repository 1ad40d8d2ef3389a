// Groups: CRUD with an owner, admins and members; public groups are listed and joinable,
// private ones only by invitation (an admin adds the member). The conversation's member
// list mirrors the group's, and sockets join or leave the group's room on every change.
import { randomBytes } from "node:crypto";
import type { GroupSummary } from "../../handlers/events.ts";
import type { Notifier } from "../events/notifier.ts";
import type { ConversationModel } from "../messaging/conversation.model.ts";
import type { MessageModel } from "../messaging/message.model.ts";
import type { LatestWindow } from "../messaging/latest-window.ts";
import type { ReadStateService } from "../messaging/read-state.service.ts";
import { AppError, badRequest, forbidden, notFound } from "../shared/errors.ts";
import { isDuplicateKeyError } from "../infra/mongo.ts";
import type { UserModel } from "../users/user.model.ts";
import type { GroupDoc, GroupModel, GroupRole } from "./group.model.ts";
import { groupKey, isManager, roleOf } from "./group.policy.ts";
import type { UpdateGroupBody, UpsertGroupBody } from "./group.schemas.ts";
import type { MembershipCache } from "./membership-cache.ts";

export interface GroupDeps {
  Group: GroupModel;
  User: UserModel;
  Conversation: ConversationModel;
  Message: MessageModel;
  window: LatestWindow;
  notifier: Notifier;
  readStates: ReadStateService;
  /** Told of every membership, visibility and existence change, on this node and (through it) the others. */
  membership: MembershipCache;
}

export function toGroupSummary(g: GroupDoc): GroupSummary {
  return {
    id: g._id,
    name: g.name,
    description: g.description,
    is_public: g.is_public,
    owner_id: g.owner_id,
    avatar_url: g.avatar_url ?? null,
    members: g.members.map((m) => ({ user_id: m.user_id, role: m.role })),
    created_at: g.created_at.toISOString(),
    updated_at: g.updated_at.toISOString(),
  };
}

export function createGroupService(d: GroupDeps) {
  const target = (g: GroupDoc) => ({ ns: "groups" as const, key: groupKey(g._id), publicId: g._id, type: "group" as const, memberIds: g.members.map((m) => m.user_id) });

  async function load(groupId: string, userId: string): Promise<GroupDoc> {
    const g = await d.Group.findById(groupId).lean();
    if (!g || (!g.is_public && !roleOf(g, userId))) throw notFound("Group");
    return g;
  }

  async function manage(groupId: string, userId: string): Promise<GroupDoc> {
    const g = await load(groupId, userId);
    if (!isManager(g, userId)) throw forbidden("Only the group's owner or admins can do that");
    return g;
  }

  async function syncConversation(g: GroupDoc) {
    await d.Conversation.updateOne(
      { _id: groupKey(g._id) },
      { $set: { member_ids: g.members.map((m) => m.user_id) }, $setOnInsert: { type: "group", public_id: g._id, last_seq: 0, mode: null, created_at: new Date() } },
      { upsert: true },
    );
  }

  async function announce(g: GroupDoc) {
    await d.notifier.toConversation(target(g), "group_updated", { group: toGroupSummary(g) });
  }

  async function assertUsersExist(ids: string[]) {
    const found = await d.User.countDocuments({ _id: { $in: ids } });
    if (found !== new Set(ids).size) throw new AppError("validation_error", "member_ids: contains an unknown user id");
  }

  return {
    async list(userId: string, mineOnly: boolean) {
      const filter = mineOnly ? { "members.user_id": userId } : { $or: [{ is_public: true }, { "members.user_id": userId }] };
      const groups = await d.Group.find(filter).sort({ updated_at: -1 }).limit(500).lean();
      const memberOf = groups.filter((g) => roleOf(g, userId)).map((g) => groupKey(g._id));
      const unread = await d.readStates.unreadCounts(userId, memberOf);
      return groups.map((g) => ({ ...toGroupSummary(g), is_member: Boolean(roleOf(g, userId)), unread_count: unread.get(groupKey(g._id)) ?? 0 }));
    },

    async get(userId: string, groupId: string) {
      return toGroupSummary(await load(groupId, userId));
    },

    /** Create, or (for an existing id) update when the caller manages the group. */
    async upsert(userId: string, body: UpsertGroupBody): Promise<{ group: GroupSummary; created: boolean }> {
      const groupId = body.group_id ?? `g-${randomBytes(8).toString("hex")}`;
      const existing = await d.Group.findById(groupId).lean();
      if (existing) {
        const { name, description, is_public, avatar_url } = body;
        return { group: await this.update(userId, groupId, { name, description, is_public, avatar_url }), created: false };
      }
      const memberIds = [...new Set(body.member_ids.filter((id) => id !== userId))];
      if (memberIds.length) await assertUsersExist(memberIds);
      const now = new Date();
      let g: GroupDoc;
      try {
        g = (
          await d.Group.create({
            _id: groupId,
            name: body.name,
            description: body.description ?? "",
            is_public: body.is_public ?? true,
            owner_id: userId,
            avatar_url: body.avatar_url ?? null,
            members: [{ user_id: userId, role: "owner", joined_at: now }, ...memberIds.map((id) => ({ user_id: id, role: "member" as const, joined_at: now }))],
          })
        ).toObject();
      } catch (err) {
        if (isDuplicateKeyError(err)) throw new AppError("conflict", "group_id: already exists");
        throw err;
      }
      await d.membership.changed(g._id, target(g).memberIds);
      await syncConversation(g);
      d.notifier.joinConversation(target(g), target(g).memberIds);
      await announce(g);
      return { group: toGroupSummary(g), created: true };
    },

    async update(userId: string, groupId: string, patch: UpdateGroupBody) {
      await manage(groupId, userId);
      const set = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined));
      const g = (await d.Group.findByIdAndUpdate(groupId, { $set: set }, { returnDocument: "after" }).lean())!;
      if (patch.is_public !== undefined) await d.membership.changed(groupId, []);
      await announce(g);
      return toGroupSummary(g);
    },

    async remove(userId: string, groupId: string) {
      const g = await load(groupId, userId);
      if (g.owner_id !== userId) throw forbidden("Only the owner can delete the group");
      // Addressed to the members themselves: the conversation is about to disappear, and an
      // offline member must still find this event in sync.
      await d.notifier.toUsers("groups", target(g).memberIds, "group_deleted", { group_id: g._id });
      d.notifier.leaveConversation(target(g), target(g).memberIds);
      await d.Message.deleteMany({ conversation_key: groupKey(g._id) });
      await d.Conversation.deleteOne({ _id: groupKey(g._id) });
      await d.window.invalidate(groupKey(g._id));
      await d.Group.deleteOne({ _id: g._id });
      await d.membership.changed(g._id, target(g).memberIds);
    },

    async join(userId: string, groupId: string) {
      const g = await load(groupId, userId);
      if (roleOf(g, userId)) return toGroupSummary(g);
      if (!g.is_public) throw notFound("Group");
      return addMember(g, userId, "member");
    },

    async addMember(userId: string, groupId: string, memberId: string, role: Exclude<GroupRole, "owner">) {
      const g = await manage(groupId, userId);
      if (roleOf(g, memberId)) throw badRequest("user_id: is already a member");
      await assertUsersExist([memberId]);
      return addMember(g, memberId, role);
    },

    async setRole(userId: string, groupId: string, memberId: string, role: Exclude<GroupRole, "owner">) {
      const g = await load(groupId, userId);
      if (g.owner_id !== userId) throw forbidden("Only the owner can change roles");
      if (!roleOf(g, memberId)) throw notFound("Member");
      if (memberId === g.owner_id) throw badRequest("The owner's role cannot change");
      const updated = await changeMembers(groupId, (members) => members.map((m) => (m.user_id === memberId ? { ...m, role } : m)));
      await d.membership.changed(groupId, []);
      await announce(updated);
      return toGroupSummary(updated);
    },

    /** Removes a member: an admin removing someone, or anyone leaving. The owner cannot leave. */
    async removeMember(userId: string, groupId: string, memberId: string) {
      const g = await load(groupId, userId);
      if (userId !== memberId && !isManager(g, userId)) throw forbidden("Only the group's owner or admins can remove members");
      if (memberId === g.owner_id) throw badRequest("The owner cannot leave or be removed; delete the group instead");
      if (roleOf(g, memberId) === "admin" && userId !== memberId && g.owner_id !== userId) throw forbidden("Only the owner can remove an admin");
      if (!roleOf(g, memberId)) throw notFound("Member");
      const updated = await changeMembers(groupId, (members) => members.filter((m) => m.user_id !== memberId));
      await d.membership.changed(groupId, [memberId]);
      await syncConversation(updated);
      // Addressed to the people (including the one removed), not the conversation: the removed
      // member is no longer in it, and must still learn it through sync.
      await d.notifier.toUsers("groups", target(g).memberIds, "group_member_removed", { group_id: groupId, user_id: memberId });
      d.notifier.leaveConversation(target(g), [memberId]);
      return toGroupSummary(updated);
    },
  };

  /**
   * Rewrites the member list with a compare-and-set on updated_at, retried on conflict.
   * Positional and $pull updates are avoided: FerretDB v1 rejects `members.$` and ignores
   * a $pull by sub-document, and a whole-array $set behaves the same everywhere.
   */
  async function changeMembers(groupId: string, change: (members: GroupDoc["members"]) => GroupDoc["members"]): Promise<GroupDoc> {
    for (let attempt = 0; attempt < 10; attempt++) {
      const current = await d.Group.findById(groupId).lean();
      if (!current) throw notFound("Group");
      const updated = await d.Group.findOneAndUpdate(
        { _id: groupId, updated_at: current.updated_at },
        { $set: { members: change(current.members) } },
        { returnDocument: "after" },
      ).lean();
      if (updated) return updated;
    }
    throw new AppError("conflict", "The group changed too often meanwhile; retry");
  }

  async function addMember(g: GroupDoc, memberId: string, role: GroupRole) {
    const updated = await changeMembers(g._id, (members) =>
      members.some((m) => m.user_id === memberId) ? members : [...members, { user_id: memberId, role, joined_at: new Date() }],
    );
    await d.membership.changed(g._id, [memberId]);
    await syncConversation(updated);
    d.notifier.joinConversation(target(updated), [memberId]);
    await announce(updated);
    return toGroupSummary(updated);
  }
}

export type GroupService = ReturnType<typeof createGroupService>;
