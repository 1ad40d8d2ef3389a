// Read positions per member and conversation: mark_read, read receipts, unread counts.
// A read position is a field of the member's own record (conversation.repository.ts).
import { AppError, notFound } from "../shared/errors.ts";
import type { Notifier } from "../events/notifier.ts";
import type { ConversationRef } from "./conversation-policy.ts";
import type { ConversationRepository } from "./conversation.repository.ts";
import type { MessageRepository } from "./message.repository.ts";

export function createReadStateService(d: { conversations: ConversationRepository; messages: MessageRepository; notifier: Notifier }) {
  return {
    async markRead(ref: ConversationRef, userId: string, seq: number) {
      const last = await d.messages.lastSeq(ref.key);
      if (seq > last) throw new AppError("validation_error", `seq: is beyond the newest message (${last})`);
      const at = new Date();
      // Never moves backwards: a late or repeated receipt leaves the position as it is, and
      // tells nobody (no receipt, no event in the log).
      const position = await d.conversations.markRead(ref.key, userId, seq, at);
      if (position === null) throw notFound("Chat");
      if (position.advanced) {
        await d.notifier.toConversation(ref, "read_receipt", { conversation_id: ref.publicId, user_id: userId, seq, at: at.toISOString() });
      }
      return { chat_id: ref.publicId, seq: position.seq };
    },

    /** Messages from others after the user's read position, per conversation key. */
    unreadCounts(userId: string, positions: readonly { key: string; readSeq: number }[]): Promise<Map<string, number>> {
      return d.messages.unreadCounts(userId, positions.map((p) => ({ key: p.key, afterSeq: p.readSeq })));
    },
  };
}

export type ReadStateService = ReturnType<typeof createReadStateService>;
