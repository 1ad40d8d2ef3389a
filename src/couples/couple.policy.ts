// Who may use a couple chat: its two members, nobody else. A chat id is the two user
// ids sorted and joined, so it is the same whichever partner asks.
import type { ConversationModel } from "../messaging/conversation.model.ts";
import type { ConversationPolicy, ConversationRef } from "../messaging/conversation-policy.ts";
import { notFound } from "../shared/errors.ts";
import { parse } from "../shared/validate.ts";
import { CoupleChatId } from "./couple.schemas.ts";

export const coupleChatId = (a: string, b: string) => [a, b].sort().join("_");
export const coupleKey = (chatId: string) => `couple:${chatId}`;

export function createCouplePolicy(d: { Conversation: ConversationModel }): ConversationPolicy {
  return {
    async resolve(publicId, userId): Promise<ConversationRef> {
      const chatId = parse(CoupleChatId, publicId, "chat_id");
      const conv = await d.Conversation.findById(coupleKey(chatId)).lean();
      // Not a member and not existing look the same: no probing other couples' chats.
      if (!conv || !conv.member_ids.includes(userId)) throw notFound("Chat");
      return { key: conv._id, type: "couple", ns: "couples", publicId: chatId, memberIds: conv.member_ids, mode: conv.mode ?? "normal" };
    },
    async canDelete(_ref, userId, message) {
      return message.sender_id === userId;
    },
  };
}
