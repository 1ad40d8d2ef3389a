// Read state per member and conversation: mark_read, read receipts, mutes, and unread
// counts (with the mention flag) for the lists, GET /api/unread and the push badge. A read
// position and a mute are fields of the member's own record (conversation.repository.ts);
// the counts come from the database every time (unread.ts), on any node.
import type { UnreadState } from "../contract/models.ts";
import type { Notifier } from "../events/notifier.ts";
import { AppError, notFound } from "../shared/errors.ts";
import type { ConversationRef } from "./conversation-policy.ts";
import type { ConversationRepository } from "./conversation.repository.ts";
import type { MessageRepository } from "./message.repository.ts";
import { activeMute, createUnreadUpdates, summarize, toUnreadState, type UnreadTarget, type UserUnread } from "./unread.ts";

export function createReadStateService(d: { conversations: ConversationRepository; messages: MessageRepository; notifier: Notifier }) {
  const updates = createUnreadUpdates({ messages: d.messages, notifier: d.notifier });

  /** The user's unread state in every conversation they are in, and the total: one batched read. */
  async function unreadOf(userId: string): Promise<UserUnread> {
    return summarize(await d.messages.unreadOfUsers([userId]));
  }

  return {
    async markRead(ref: ConversationRef, userId: string, seq: number) {
      const last = await d.messages.lastSeq(ref.key);
      if (seq > last) throw new AppError("validation_error", `seq: is beyond the newest message (${last})`);
      const at = new Date();
      // Never moves backwards: a late or repeated receipt leaves the position as it is, and
      // tells nobody (no receipt, no event in the log, no unread update).
      const position = await d.conversations.markRead(ref.key, userId, seq, at);
      if (position === null) throw notFound("Chat");
      if (position.advanced) {
        await d.notifier.toConversation(ref, "read_receipt", { conversation_id: ref.publicId, user_id: userId, seq, at: at.toISOString() });
        // Reading on one device clears the badge on the others.
        await updates.toUser(ref, userId);
      }
      return { chat_id: ref.publicId, seq: position.seq };
    },

    /** Mutes the conversation for the member until `until` (MUTED_FOREVER: for good), or unmutes it (null). Muted conversations still count unread. */
    async mute(ref: ConversationRef, userId: string, until: Date | null) {
      if (!(await d.conversations.setMute(ref.key, userId, until))) throw notFound("Chat");
      await updates.toUser(ref, userId);
      return { conversation_id: ref.publicId, muted_until: activeMute(until) };
    },

    unreadOf,

    /** The users are no longer in the conversation: their devices drop its count from the total. */
    left: (target: UnreadTarget, userIds: readonly string[]) => updates.afterLeave(target, userIds),

    /** The user's unread messages over all conversations: the push badge. */
    async unreadTotal(userId: string): Promise<number> {
      return (await unreadOf(userId)).total;
    },

    /** GET /api/unread: the total, and each conversation with unread messages or an active mute. */
    async summary(userId: string): Promise<{ total: number; conversations: UnreadState[] }> {
      const { byKey, total } = await unreadOf(userId);
      const conversations = [...byKey.values()]
        .map(toUnreadState)
        .filter((c) => c.unread_count > 0 || c.muted_until !== null)
        .sort((x, y) => (x.conversation_id < y.conversation_id ? -1 : x.conversation_id > y.conversation_id ? 1 : 0));
      return { total, conversations };
    },
  };
}

export type ReadStateService = ReturnType<typeof createReadStateService>;
