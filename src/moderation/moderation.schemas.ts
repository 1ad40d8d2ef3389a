// What the moderation routes take and answer (src/http/reports.router.ts, group-moderation.router.ts,
// admin.router.ts): validation and the OpenAPI document from the same schemas.
import { GroupId } from "../groups/group.schemas.ts";
import { MessageIdParam, MessageSchema } from "../messaging/message.schemas.ts";
import { ObjectIdString } from "../users/user.schemas.ts";
import { isoDateTime, queryInt, SentTimestamp, trimmedText, z } from "../shared/zod.ts";
import { REPORT_ACTIONS, REPORT_REASONS } from "./report.repository.ts";

export const REPORT_PAGE_MAX = 100;
export const BANS_LISTED_MAX = 1000;

const Note = trimmedText("free", 0, 1000).openapi({ description: "Free text, at most 1000 characters" });

const MessageTarget = z
  .strictObject({
    type: z.literal("message"),
    conversation_type: z
      .enum(["couple", "group", "dm"])
      .optional()
      .openapi({ description: "The message's conversation_type; when left out it is told from the id's shape (dm:… is a DM, <user id>_<user id> of the caller a couple chat, else a group)" }),
    conversation_id: z.string().min(1).max(200).openapi({ description: "The message's conversation_id (a couple chat id, a DM id or a group id)" }),
    message_id: MessageIdParam,
  })
  .openapi("ReportMessageTarget", { description: "A message of a conversation the caller is in" });
const UserTarget = z.strictObject({ type: z.literal("user"), user_id: ObjectIdString }).openapi("ReportUserTarget", { description: "Another user" });

export const FileReportBody = z
  .strictObject({
    target: z.discriminatedUnion("type", [MessageTarget, UserTarget]),
    reason: z.enum(REPORT_REASONS),
    note: Note.optional(),
  })
  .openapi("FileReport", { description: "One open report per reporter and target: filing again updates its reason and note" });
export type FileReportBody = z.infer<typeof FileReportBody>;

export const ResolveReportBody = z
  .strictObject({
    action: z.enum(REPORT_ACTIONS).openapi({
      description:
        "dismiss: nothing is done. delete_message: the reported message is deleted for everyone. remove_from_group, ban_from_group: its sender leaves the group (banned: for good, until unbanned). suspend_account (operators only): the reported user, or the message's sender, is suspended",
    }),
    note: Note.optional(),
    until: isoDateTime().optional().openapi({ description: "suspend_account only: when the suspension ends (in the future); left out: indefinitely" }),
  })
  .openapi("ResolveReport");
export type ResolveReportBody = z.infer<typeof ResolveReportBody>;

export const ReportListQuery = z.strictObject({
  status: z.enum(["open", "resolved"]).optional().openapi({ description: "Only reports in this state" }),
  before: ObjectIdString.optional().openapi({ description: "`next_before` of the previous page: the reports before it, newest first" }),
  limit: queryInt({ min: 1, max: REPORT_PAGE_MAX, description: `Page size, at most ${REPORT_PAGE_MAX}` }).default(50),
});

export const ReportParams = z.object({ reportId: ObjectIdString });
export const GroupReportParams = z.object({ groupId: GroupId, reportId: ObjectIdString });
export const UserParams = z.object({ userId: ObjectIdString });

const Snapshot = z
  .strictObject({
    sender: MessageSchema.shape.sender,
    text: z.string(),
    kind: MessageSchema.shape.kind,
    media: MessageSchema.shape.media,
    sticker: MessageSchema.shape.sticker,
    seq: z.number().int().min(1),
    created_at: SentTimestamp,
  })
  .openapi("ReportedMessage", { description: "The message as it was when reported (it may have been edited or deleted since)" });

export const ReportSchema = z
  .strictObject({
    id: z.string(),
    status: z.enum(["open", "resolved"]),
    reason: z.enum(REPORT_REASONS),
    note: z.string().nullable(),
    reporter_id: z.string(),
    target: z.union([
      z.strictObject({
        type: z.literal("message"),
        conversation_type: z.enum(["couple", "group", "dm"]),
        conversation_id: z.string(),
        message_id: z.string(),
        sender_id: z.string(),
      }),
      z.strictObject({ type: z.literal("user"), user_id: z.string() }),
    ]),
    message: Snapshot.nullable().openapi({ description: "Message reports: the message when reported; null on user reports" }),
    resolution: z
      .strictObject({ action: z.enum(REPORT_ACTIONS), note: z.string().nullable(), by: z.string(), at: SentTimestamp })
      .nullable()
      .openapi({ description: "Who resolved it, when, how; null while open" }),
    created_at: SentTimestamp,
    updated_at: SentTimestamp.openapi({ description: "The latest filing (a repeat updates the open report) or the resolution" }),
  })
  .openapi("Report");
export type ReportDto = z.infer<typeof ReportSchema>;

export const ReportList = z
  .strictObject({
    reports: z.array(ReportSchema).max(REPORT_PAGE_MAX),
    next_before: z.string().nullable().openapi({ description: "Pass as `before` for the next (older) page; null when this page is the last" }),
  })
  .openapi("ReportList");

export const GroupBanSchema = z
  .strictObject({ group_id: z.string(), user_id: z.string(), banned_by: z.string(), reason: z.string().nullable(), created_at: SentTimestamp })
  .openapi("GroupBan");
export type GroupBanDto = z.infer<typeof GroupBanSchema>;
export const GroupBanList = z.strictObject({ bans: z.array(GroupBanSchema).max(BANS_LISTED_MAX).openapi({ description: `Newest first, at most ${BANS_LISTED_MAX}` }) }).openapi("GroupBanList");

export const MuteMemberBody = z
  .strictObject({ until: isoDateTime().openapi({ description: "When the member may post again; must be in the future" }) })
  .openapi("MuteMember", { description: "The member still reads the group but cannot post until then" });
export const MemberMuteState = z
  .strictObject({ group_id: z.string(), user_id: z.string(), until: SentTimestamp.nullable().openapi({ description: "Until when the member cannot post; null: they can" }) })
  .openapi("GroupMemberMute");
export type MemberMuteDto = z.infer<typeof MemberMuteState>;

export const MUTES_LISTED_MAX = 1000;
export const GroupMuteSchema = z
  .strictObject({
    group_id: z.string(),
    user_id: z.string(),
    until: SentTimestamp.openapi({ description: "Until when the member cannot post" }),
    muted_by: z.string(),
    created_at: SentTimestamp,
  })
  .openapi("GroupMute");
export type GroupMuteDto = z.infer<typeof GroupMuteSchema>;
export const GroupMuteList = z
  .strictObject({
    mutes: z.array(GroupMuteSchema).max(MUTES_LISTED_MAX).openapi({ description: `Mutes in force, soonest end first, at most ${MUTES_LISTED_MAX}; a plain member sees only their own` }),
  })
  .openapi("GroupMuteList");

export const SuspendBody = z
  .strictObject({
    until: isoDateTime().optional().openapi({ description: "When the suspension ends (in the future); left out: indefinitely, until lifted" }),
    reason: trimmedText("free", 1, 500).openapi({ description: "Why (kept with the account; the user is not told it)" }),
  })
  .openapi("Suspend");
export type SuspendBody = z.infer<typeof SuspendBody>;
export const SuspensionState = z
  .strictObject({
    user_id: z.string(),
    suspended: z.boolean(),
    until: SentTimestamp.nullable().openapi({ description: "When it ends; null while suspended: indefinitely (and null when not suspended)" }),
    reason: z.string().nullable(),
  })
  .openapi("Suspension");
export type SuspensionDto = z.infer<typeof SuspensionState>;
