// Read positions per member and conversation: mark_read, read receipts, unread counts.
import { AppError } from "../shared/errors.ts";
import type { Notifier } from "../events/notifier.ts";
import type { ConversationRef } from "./conversation-policy.ts";
import type { ReadStateModel } from "./conversation.model.ts";
import type { MessageModel } from "./message.model.ts";

export function createReadStateService(d: { ReadState: ReadStateModel; Message: MessageModel; notifier: Notifier }) {
  const id = (key: string, userId: string) => `${key}#${userId}`;

  return {
    async markRead(ref: ConversationRef, userId: string, seq: number) {
      // The newest message, not the counter: on FerretDB v1 a lost $inc can leave it behind.
      const newest = await d.Message.findOne({ conversation_key: ref.key, seq: { $gt: 0 } }, { seq: 1 }).sort({ seq: -1 }).lean();
      const last = newest?.seq ?? 0;
      if (seq > last) throw new AppError("validation_error", `seq: is beyond the newest message (${last})`);
      const at = new Date();
      // $max: a late or duplicate receipt never moves the position backwards.
      const state = await d.ReadState.findOneAndUpdate(
        { _id: id(ref.key, userId) },
        { $max: { seq }, $set: { at }, $setOnInsert: { conversation_key: ref.key, user_id: userId } },
        { upsert: true, returnDocument: "after" },
      ).lean();
      const position = state!.seq;
      if (position === seq) {
        await d.notifier.toConversation(ref, "read_receipt", { conversation_id: ref.publicId, user_id: userId, seq, at: at.toISOString() });
      }
      return { chat_id: ref.publicId, seq: position };
    },

    async positions(userId: string, keys: string[]): Promise<Map<string, number>> {
      const states = await d.ReadState.find({ _id: { $in: keys.map((k) => id(k, userId)) } }).lean();
      return new Map(states.map((s) => [s.conversation_key, s.seq]));
    },

    /** Every member's read position in one conversation (for "seen" marks after a reload). */
    async membersPositions(key: string, memberIds: string[]): Promise<Record<string, number>> {
      const states = await d.ReadState.find({ _id: { $in: memberIds.map((m) => id(key, m)) } }).lean();
      return Object.fromEntries(memberIds.map((m) => [m, states.find((s) => s.user_id === m)?.seq ?? 0]));
    },

    /** Messages from others after the user's read position, per conversation key. */
    async unreadCounts(userId: string, keys: string[]): Promise<Map<string, number>> {
      const read = await this.positions(userId, keys);
      const counts = await Promise.all(
        keys.map((key) =>
          d.Message.countDocuments({ conversation_key: key, seq: { $gt: read.get(key) ?? 0 }, sender_id: { $ne: userId }, deleted: false }),
        ),
      );
      return new Map(keys.map((k, i) => [k, counts[i]!]));
    },
  };
}

export type ReadStateService = ReturnType<typeof createReadStateService>;
