// Typing indicators: ephemeral (never stored), never echoed to the typist, not shown across
// a block (a group's room minus the users in a block with the typist; a DM across a block
// refuses typing already), and ended by the server if the client never sends stop_typing
// (a closed tab, a lost connection).
import type { UserCard } from "../contract/models.ts";
import type { Notifier } from "../events/notifier.ts";
import type { ConversationRef } from "./conversation-policy.ts";
import type { BlockCheck } from "../safety/block-check.ts";

export function createTypingService(d: { notifier: Notifier; timeoutMs: number; blocks?: Pick<BlockCheck, "related"> }) {
  const timers = new Map<string, NodeJS.Timeout>();

  async function emit(ref: ConversationRef, user: UserCard, isTyping: boolean) {
    await d.notifier.toConversation(
      ref,
      "typing_indicator",
      { conversation_id: ref.publicId, user_id: user.id, username: user.username, is_typing: isTyping },
      { durable: false, exceptUserId: user.id, exceptUserIds: d.blocks ? await d.blocks.related(user.id) : [] },
    );
  }

  return {
    async start(ref: ConversationRef, user: UserCard) {
      const key = `${ref.key}#${user.id}`;
      clearTimeout(timers.get(key));
      const t = setTimeout(() => {
        timers.delete(key);
        void emit(ref, user, false);
      }, d.timeoutMs);
      t.unref();
      timers.set(key, t);
      await emit(ref, user, true);
    },
    async stop(ref: ConversationRef, user: UserCard) {
      const key = `${ref.key}#${user.id}`;
      clearTimeout(timers.get(key));
      timers.delete(key);
      await emit(ref, user, false);
    },
    close() {
      for (const t of timers.values()) clearTimeout(t);
      timers.clear();
    },
  };
}

export type TypingService = ReturnType<typeof createTypingService>;
