// Unread counts, mention flags and mutes: the fields the chat lists carry, GET /api/unread,
// and the mute routes' body and answer (for validation and the OpenAPI document).
import type { UnreadState } from "../contract/models.ts";
import { isoDateTime, sameShape, SentTimestamp, z } from "../shared/zod.ts";

export const UnreadCount = z.number().int().min(0).openapi({ description: "Messages from others above the caller's read position that are not deleted (muted conversations count too)" });
export const UnreadTotal = z.number().int().min(0).openapi({ description: "The caller's unread messages over all their conversations" });

/** The caller's unread state in one conversation, as every list entry carries it. */
export const unreadStateFields = {
  unread_count: UnreadCount,
  mentioned: z.boolean().openapi({ description: "Whether one of the unread messages mentions the caller (groups only)" }),
  muted_until: SentTimestamp.nullable().openapi({
    description: "Until when the caller muted it (9999-12-31T23:59:59.999Z: for good); null when not muted or the mute has ended",
  }),
};

export const UnreadStateSchema = z
  .strictObject({ conversation_id: z.string(), type: z.enum(["couple", "group", "dm"]), ...unreadStateFields })
  .openapi("UnreadConversation");
sameShape<z.output<typeof UnreadStateSchema>, UnreadState>();

export const UnreadSummary = z
  .strictObject({
    total: UnreadTotal,
    conversations: z.array(UnreadStateSchema).openapi({ description: "Each conversation with unread messages or an active mute, by conversation_id" }),
  })
  .openapi("UnreadSummary");

export const MuteBody = z
  .union([z.strictObject({ until: isoDateTime().openapi({ description: "When the mute ends; must be in the future" }) }), z.strictObject({ forever: z.literal(true) })], {
    error: "must be {until: <ISO date-time>} or {forever: true}",
  })
  .openapi("Mute", { description: "Mute until a time, or for good (stored as 9999-12-31T23:59:59.999Z)" });
export type MuteBody = z.infer<typeof MuteBody>;

export const MuteState = z
  .strictObject({ conversation_id: z.string(), muted_until: SentTimestamp.nullable().openapi({ description: "null: not muted" }) })
  .openapi("MuteState", { description: "The caller's mute of this conversation now" });
