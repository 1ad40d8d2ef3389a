// Who may use a group conversation: members read and post; the sender, an admin or the
// owner may delete. A private group is invisible (404) to non-members; a public one
// answers 403 until the caller joins.
import type { ConversationPolicy, ConversationRef } from "../messaging/conversation-policy.ts";
import { forbidden, notFound } from "../shared/errors.ts";
import { parse } from "../shared/validate.ts";
import type { GroupDoc, GroupModel } from "./group.model.ts";
import { GroupId } from "./group.schemas.ts";

export const groupKey = (groupId: string) => `group:${groupId}`;

export function roleOf(group: GroupDoc, userId: string) {
  return group.members.find((m) => m.user_id === userId)?.role ?? null;
}

export const isManager = (group: GroupDoc, userId: string) => {
  const role = roleOf(group, userId);
  return role === "owner" || role === "admin";
};

export function createGroupPolicy(d: { Group: GroupModel }): ConversationPolicy {
  return {
    async resolve(publicId, userId): Promise<ConversationRef> {
      const groupId = parse(GroupId, publicId, "group_id");
      const group = await d.Group.findById(groupId).lean();
      if (!group) throw notFound("Group");
      if (!roleOf(group, userId)) {
        if (!group.is_public) throw notFound("Group");
        throw forbidden("Join the group to read or post");
      }
      return { key: groupKey(groupId), type: "group", ns: "groups", publicId: groupId, memberIds: group.members.map((m) => m.user_id), mode: null };
    },
    async canDelete(ref, userId, message) {
      if (message.sender_id === userId) return true;
      const group = await d.Group.findById(ref.publicId).lean();
      return group ? isManager(group, userId) : false;
    },
  };
}
