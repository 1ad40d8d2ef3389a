import type { GroupSummary } from "../contract/models.ts";
import { httpUrl, sameShape, SentTimestamp, trimmedText, z } from "../shared/zod.ts";
import { ObjectIdString } from "../users/user.schemas.ts";
import { UnreadTotal, unreadStateFields } from "../messaging/unread.schemas.ts";

export const GroupId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{2,63}$/, "must be 3-64 characters of lowercase letters, digits, _ or -, starting with a letter or digit");

/**
 * How many members a group may be created with in one call. The bound that matters is the
 * request body (BODY_LIMIT_BYTES, 100 KB by default, holds about 3 700 ids); creation is
 * one insert, one user count and one group_updated event whatever the size, unlike adding
 * the same members one call at a time, which rewrites and announces the whole list per call.
 */
export const MAX_MEMBERS_AT_CREATION = 2000;

const GroupName = trimmedText("name", 1, 100);
const GroupDescription = trimmedText("free", 0, 1000);

export const UpsertGroupBody = z
  .strictObject({
    group_id: GroupId.optional(),
    name: GroupName,
    // No defaults here: on an existing group_id only what the caller sent may change.
    description: GroupDescription.optional(),
    is_public: z.boolean().optional(),
    avatar_url: httpUrl().nullable().optional(),
    member_ids: z.array(ObjectIdString).max(MAX_MEMBERS_AT_CREATION).default([]),
  })
  .openapi("GroupUpsert");
export type UpsertGroupBody = z.infer<typeof UpsertGroupBody>;

export const UpdateGroupBody = z
  .strictObject({
    name: GroupName.optional(),
    description: GroupDescription.optional(),
    is_public: z.boolean().optional(),
    avatar_url: httpUrl().nullable().optional(),
  })
  .openapi("GroupUpdate");
export type UpdateGroupBody = z.infer<typeof UpdateGroupBody>;

export const GroupParams = z.object({ groupId: GroupId });
export const GroupMemberParams = z.object({ groupId: GroupId, userId: ObjectIdString });
export const AddMemberBody = z.strictObject({ user_id: ObjectIdString, role: z.enum(["admin", "member"]).default("member") }).openapi("GroupAddMember");
export const SetRoleBody = z.strictObject({ role: z.enum(["admin", "member"]) }).openapi("GroupSetRole");
export const ListGroupsQuery = z.strictObject({ mine: z.enum(["true", "false"]).optional().openapi({ description: "true: only the caller's groups" }) });

// Response shapes (src/contract/events.ts `GroupSummary`, as group.service.ts toGroupSummary builds it).
const summaryFields = {
  id: z.string(),
  name: z.string(),
  description: z.string(),
  is_public: z.boolean(),
  owner_id: z.string(),
  avatar_url: z.string().nullable(),
  members: z.array(z.strictObject({ user_id: z.string(), role: z.enum(["owner", "admin", "member"]) })),
  created_at: SentTimestamp,
  updated_at: SentTimestamp,
};

export const GroupSchema = z.strictObject(summaryFields).openapi("Group");
sameShape<z.output<typeof GroupSchema>, GroupSummary>();

export const GroupList = z
  .strictObject({
    groups: z.array(
      z
        .strictObject({
          ...summaryFields,
          is_member: z.boolean(),
          ...unreadStateFields,
          unread_count: unreadStateFields.unread_count.openapi({ description: "0 unless the caller is a member (muted groups count too)" }),
        })
        .openapi("GroupListItem"),
    ),
    unread_total: UnreadTotal,
  })
  .openapi("GroupList");
