import type { PartnerRequest } from "../contract/models.ts";
import { sameShape, SentTimestamp, z } from "../shared/zod.ts";
import { ObjectIdString, UserPublic } from "../users/user.schemas.ts";
import { UnreadTotal, unreadStateFields } from "../messaging/unread.schemas.ts";

export const CoupleChatId = z.string().regex(/^[0-9a-f]{24}_[0-9a-f]{24}$/, "must be a couple chat id (<user id>_<user id>)");
export const ChatMode = z.enum(["normal", "fight", "incognito"]);

export const PartnerRequestBody = z.strictObject({ recipient_id: ObjectIdString }).openapi("PartnerRequestCreate");
export const RespondBody = z.strictObject({ action: z.enum(["accept", "reject"]) }).openapi("PartnerRequestRespond");
export const RequestIdParams = z.object({ id: ObjectIdString });
export const CreateChatBody = z.strictObject({ recipient_id: ObjectIdString }).openapi("ChatCreate");
export const ChatIdParams = z.object({ id: CoupleChatId });
export const ChatMessageParams = z.object({ id: CoupleChatId, messageId: z.string().regex(/^[0-9a-f]{24}$/, "must be a message id") });

export const ChangeModeEvent = z.strictObject({ chat_id: CoupleChatId, mode: ChatMode });
export const ThinkingOfYouEvent = z.strictObject({ recipient_user_id: ObjectIdString });

// Response shapes (src/contract/events.ts `PartnerRequest`; the chat as couples.describeChat builds it).

export const PartnerRequestSchema = z
  .strictObject({
    id: z.string(),
    sender: UserPublic,
    recipient: UserPublic,
    status: z.enum(["pending", "accepted", "rejected", "cancelled"]),
    created_at: SentTimestamp,
  })
  .openapi("PartnerRequest");
sameShape<z.output<typeof PartnerRequestSchema>, PartnerRequest>();

export const PartnerRequestList = z
  .strictObject({ incoming: z.array(PartnerRequestSchema), outgoing: z.array(PartnerRequestSchema) })
  .openapi("PartnerRequestList", { description: "Pending requests to the caller (incoming) and from the caller (outgoing)" });

export const ChatSchema = z
  .strictObject({
    id: z.string(),
    type: z.literal("couple"),
    members: z.array(UserPublic),
    mode: ChatMode,
    closed: z.boolean().openapi({ description: "true after the partners broke up: read-only history (posting, editing, reacting and mode changes answer 409 chat_closed); it opens again if the same two link again" }),
    last_seq: z.number().int().min(0),
    read_seq: z.number().int().min(0).openapi({ description: "The caller's read position" }),
    ...unreadStateFields,
    read_positions: z.record(z.string(), z.number().int().min(0)).openapi({ description: "user id → that member's read seq" }),
    last_message_at: SentTimestamp.nullable(),
    created_at: SentTimestamp,
  })
  .openapi("Chat");

export const ChatList = z
  .strictObject({ chats: z.array(ChatSchema).max(50), unread_total: UnreadTotal })
  .openapi("ChatList", { description: "The caller's couple chats: the open one with the current partner first (when there is one), then past ones closed by a break-up, most recent activity first (at most 50)" });

export const BreakUpResult = z
  .strictObject({
    partner_id: z.string().openapi({ description: "The former partner" }),
    chat_id: z.string().nullable().openapi({ description: "Their couple chat, now read-only history (null if it was never opened)" }),
  })
  .openapi("BreakUpResult");
