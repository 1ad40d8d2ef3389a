// Who may use a group conversation: members read and post; the sender, an admin or the
// owner may delete. A muted member (a post block) is refused every `post` and `write`
// (send, edit, react, start typing: muted_in_group) but still reads and deletes their own.
// A private group is invisible (404) to non-members; a public one
// answers 403 until the caller joins. Each check reads the caller's own member record.
import type { ConversationRepository, MemberRole } from "../messaging/conversation.repository.ts";
import type { ConversationPolicy, ConversationRef } from "../messaging/conversation-policy.ts";
import { forbidden, notFound } from "../shared/errors.ts";
import { parse } from "../shared/validate.ts";
import type { GroupSanctionRepository } from "../moderation/group-sanctions.repository.ts";
import { AppError } from "../shared/errors.ts";
import type { GroupRepository } from "./group.repository.ts";
import { GroupId } from "./group.schemas.ts";

export const groupKey = (groupId: string) => `group:${groupId}`;

export const isManagerRole = (role: MemberRole | null | undefined) => role === "owner" || role === "admin";

/** `sanctions`: post blocks (src/moderation): a member the group's managers muted reads but cannot post. */
export function createGroupPolicy(d: { groups: GroupRepository; conversations: ConversationRepository; sanctions?: Pick<GroupSanctionRepository, "postBlockOf"> }): ConversationPolicy {
  return {
    async resolve(publicId, userId, access): Promise<ConversationRef> {
      const groupId = parse(GroupId, publicId, "group_id");
      // The post block is read with the rest, only for what the others see (post, and write:
      // edit, react, typing): a muted member cannot post in any form. Reads, and deleting
      // one's own message (`read`), cost nothing more and stay allowed.
      const [group, member, block] = await Promise.all([
        d.groups.byId(groupId),
        d.conversations.member(groupKey(groupId), userId),
        access !== "read" ? d.sanctions?.postBlockOf(groupId, userId) : undefined,
      ]);
      if (!group) throw notFound("Group");
      if (!member) {
        if (!group.is_public) throw notFound("Group");
        throw forbidden("Join the group to read or post");
      }
      if (block && block.until.getTime() > Date.now()) {
        throw new AppError("muted_in_group", `A group admin muted you in this group until ${block.until.toISOString()}: you can read but not post`, { until: block.until.toISOString() });
      }
      return { key: groupKey(groupId), type: "group", ns: "groups", publicId: groupId, memberIds: [], mode: null };
    },
    async canDelete(ref, userId, message) {
      if (message.sender_id === userId) return true;
      return isManagerRole((await d.conversations.member(ref.key, userId))?.role);
    },
  };
}
