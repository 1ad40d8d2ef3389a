// The caller's DM threads, each with its latest message and unread count. A thread across a
// block stays listed (its history is readable); the other's card comes without the mood.
import type { ConversationRepository } from "../messaging/conversation.repository.ts";
import type { MessageService } from "../messaging/message.service.ts";
import type { ReadStateService } from "../messaging/read-state.service.ts";
import { unreadFields } from "../messaging/unread.ts";
import type { UserRepository } from "../users/user.repository.ts";
import { toUserPublic } from "../users/user.dto.ts";
import { cardFor, type BlockCheck } from "../safety/block-check.ts";

const MAX_THREADS = 500;

export function createDmService(d: { conversations: ConversationRepository; users: UserRepository; messages: MessageService; readStates: ReadStateService; blocks?: BlockCheck }) {
  return {
    /** The threads, and the caller's unread total over all conversations (one batched read gives both). */
    async threads(userId: string) {
      const threads = await d.conversations.listOf(userId, "dm", MAX_THREADS);
      const members = await Promise.all(threads.map((t) => d.conversations.members(t.conversation.key)));
      const [unread, users] = await Promise.all([d.readStates.unreadOf(userId), d.users.byIds([...new Set(members.flat().map((m) => m.user_id))])]);
      const cards = new Map(users.map((u) => [u.id, toUserPublic(u)]));
      const list = await Promise.all(
        threads.map(async ({ conversation: c }, i) => {
          const memberIds = members[i]!.map((m) => m.user_id);
          const ref = { key: c.key, type: "dm" as const, ns: "dm" as const, publicId: c.key, memberIds, mode: null };
          const [latest] = await d.messages.latest(ref, 1);
          const otherId = memberIds.find((id) => id !== userId) ?? userId;
          const other = cards.get(otherId);
          return {
            dm_id: c.key,
            with: other ? await cardFor(d.blocks, userId, other) : null,
            latest: latest ?? null,
            last_seq: c.last_seq,
            ...unreadFields(unread.byKey.get(c.key)),
            read_positions: Object.fromEntries(members[i]!.map((m) => [m.user_id, m.read_seq])),
          };
        }),
      );
      return { threads: list, unread_total: unread.total };
    },
  };
}
export type DmService = ReturnType<typeof createDmService>;
