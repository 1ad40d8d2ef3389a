// The caller's DM threads, each with its latest message and unread count.
import type { ConversationModel } from "../messaging/conversation.model.ts";
import type { MessageService } from "../messaging/message.service.ts";
import type { ReadStateService } from "../messaging/read-state.service.ts";
import type { UserModel } from "../users/user.model.ts";
import { toUserPublic } from "../users/user.dto.ts";

export function createDmService(d: { Conversation: ConversationModel; User: UserModel; messages: MessageService; readStates: ReadStateService }) {
  return {
    async threads(userId: string) {
      const convs = await d.Conversation.find({ type: "dm", member_ids: userId }).sort({ last_message_at: -1 }).limit(500).lean();
      const keys = convs.map((c) => c._id);
      const [unread, users] = await Promise.all([
        d.readStates.unreadCounts(userId, keys),
        d.User.find({ _id: { $in: [...new Set(convs.flatMap((c) => c.member_ids))] } }).lean(),
      ]);
      const cards = new Map(users.map((u) => [u._id.toString(), toUserPublic(u)]));
      return Promise.all(
        convs.map(async (c) => {
          const ref = { key: c._id, type: "dm" as const, ns: "dm" as const, publicId: c._id, memberIds: c.member_ids, mode: null };
          const [[latest], readPositions] = await Promise.all([d.messages.latest(ref, 1), d.readStates.membersPositions(c._id, c.member_ids)]);
          const otherId = c.member_ids.find((id) => id !== userId) ?? userId;
          return {
            dm_id: c._id,
            with: cards.get(otherId) ?? null,
            latest: latest ?? null,
            last_seq: c.last_seq,
            unread_count: unread.get(c._id) ?? 0,
            read_positions: readPositions,
          };
        }),
      );
    },
  };
}
export type DmService = ReturnType<typeof createDmService>;
