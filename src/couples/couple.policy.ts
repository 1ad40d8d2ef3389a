// Who may use a couple chat: its two members, nobody else. A chat id is the two user
// ids sorted and joined, so it is the same whichever partner asks.
import type { ConversationRepository } from "../messaging/conversation.repository.ts";
import type { ConversationPolicy, ConversationRef } from "../messaging/conversation-policy.ts";
import { notFound } from "../shared/errors.ts";
import { parse } from "../shared/validate.ts";
import { CoupleChatId } from "./couple.schemas.ts";

export const coupleChatId = (a: string, b: string) => [a, b].sort().join("_");
export const coupleKey = (chatId: string) => `couple:${chatId}`;

export function createCouplePolicy(d: { conversations: ConversationRepository }): ConversationPolicy {
  return {
    async resolve(publicId, userId): Promise<ConversationRef> {
      const chatId = parse(CoupleChatId, publicId, "chat_id");
      // The id names its two members: only they can be in it.
      const memberIds = chatId.split("_");
      const [conv, member] = memberIds.includes(userId)
        ? await Promise.all([d.conversations.byKey(coupleKey(chatId)), d.conversations.member(coupleKey(chatId), userId)])
        : [null, null];
      // Not a member and not existing look the same: no probing other couples' chats.
      if (!conv || !member) throw notFound("Chat");
      return { key: conv.key, type: "couple", ns: "couples", publicId: chatId, memberIds, mode: conv.mode ?? "normal" };
    },
    async canDelete(_ref, userId, message) {
      return message.sender_id === userId;
    },
  };
}
