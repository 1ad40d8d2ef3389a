// Who may use a group conversation: members read and post; the sender, an admin or the
// owner may delete. A private group is invisible (404) to non-members; a public one
// answers 403 until the caller joins. Memberships come from the in-process cache: this
// runs on every message send, edit, read and delete.
import type { ConversationPolicy, ConversationRef } from "../messaging/conversation-policy.ts";
import { forbidden, notFound } from "../shared/errors.ts";
import { parse } from "../shared/validate.ts";
import type { GroupDoc } from "./group.model.ts";
import { GroupId } from "./group.schemas.ts";
import type { MembershipCache } from "./membership-cache.ts";

export const groupKey = (groupId: string) => `group:${groupId}`;

export function roleOf(group: GroupDoc, userId: string) {
  return group.members.find((m) => m.user_id === userId)?.role ?? null;
}

export const isManager = (group: GroupDoc, userId: string) => {
  const role = roleOf(group, userId);
  return role === "owner" || role === "admin";
};

export function createGroupPolicy(d: { membership: MembershipCache }): ConversationPolicy {
  return {
    async resolve(publicId, userId): Promise<ConversationRef> {
      const groupId = parse(GroupId, publicId, "group_id");
      const group = await d.membership.group(groupId);
      if (!group) throw notFound("Group");
      if (!group.roles.has(userId)) {
        if (!group.isPublic) throw notFound("Group");
        throw forbidden("Join the group to read or post");
      }
      return { key: groupKey(groupId), type: "group", ns: "groups", publicId: groupId, memberIds: group.memberIds as string[], mode: null };
    },
    async canDelete(ref, userId, message) {
      if (message.sender_id === userId) return true;
      const role = (await d.membership.group(ref.publicId))?.roles.get(userId);
      return role === "owner" || role === "admin";
    },
  };
}
