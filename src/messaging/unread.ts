// Unread state as the clients see it, and `unread_update`: the event every device of a user
// gets when one of their conversations' unread count, mention flag or mute changed.
//
// Nothing is counted in memory: each update reads the counts from the database at the time
// (MessageRepository.unreadOfUsers, one batched read for every recipient), so any node can
// send one, and a restart loses nothing. The event is ephemeral (not in the sync log): a
// client that was away reads GET /api/unread or the chat lists. Two updates computed at
// about the same time may arrive in either order; the next one (or a list) corrects it.
import { UNREAD_FANOUT_MAX_MEMBERS } from "../contract/limits.ts";
import type { ConversationType, UnreadState } from "../contract/models.ts";
import type { Notifier, NamespaceName } from "../events/notifier.ts";
import { publicIdOf } from "./message.dto.ts";
import type { MessageRecord, MessageRepository, UnreadRow } from "./message.repository.ts";

/** "Muted for good": a fixed far date, so a mute is always a date and expires the same way. */
export const MUTED_FOREVER = new Date("9999-12-31T23:59:59.999Z");

/** The fan-out bound lives in the contract: the client SDK counts big groups' messages by it. */
export { UNREAD_FANOUT_MAX_MEMBERS };

/** The mute as clients see it: its end, or null when there is none or it has ended. */
export function activeMute(until: Date | null | undefined, now = Date.now()): string | null {
  return until && until.getTime() > now ? until.toISOString() : null;
}

/** One user's unread state over all their conversations. */
export interface UserUnread {
  byKey: Map<string, UnreadRow>;
  total: number;
}

export function summarize(rows: readonly UnreadRow[]): UserUnread {
  const byKey = new Map(rows.map((r) => [r.conversation_key, r]));
  return { byKey, total: rows.reduce((sum, r) => sum + r.unread, 0) };
}

/** The fields a conversation carries in the lists (zero, false and null when the caller is not a member). */
export function unreadFields(row: UnreadRow | undefined) {
  return { unread_count: row?.unread ?? 0, mentioned: row?.mentioned ?? false, muted_until: activeMute(row?.muted_until) };
}

export function toUnreadState(row: UnreadRow): UnreadState {
  const { type, id } = publicIdOf(row.conversation_key);
  return { conversation_id: id, type, ...unreadFields(row) };
}

/** Enough of a conversation to address its updates. */
export interface UnreadTarget {
  ns: NamespaceName;
  key: string;
  publicId: string;
  type: ConversationType;
  /** A couple chat's or DM's two members; empty for a group. */
  memberIds: string[];
}

export function createUnreadUpdates(d: { messages: MessageRepository; notifier: Notifier }) {
  /** Sends each user (who is still a member) their state in this conversation and their total; `changed` picks who gets one. */
  async function send(target: UnreadTarget, userIds: readonly string[], changed: (row: UnreadRow) => boolean = () => true) {
    if (userIds.length === 0) return;
    const rows = await d.messages.unreadOfUsers(userIds);
    const byUser = new Map<string, UnreadRow[]>();
    for (const r of rows) byUser.set(r.user_id, [...(byUser.get(r.user_id) ?? []), r]);
    const emits = [...byUser].map(([userId, mine]) => {
      const { byKey, total } = summarize(mine);
      const row = byKey.get(target.key);
      if (!row || !changed(row)) return undefined;
      const { unread_count, mentioned, muted_until } = unreadFields(row);
      return d.notifier.toUsers(
        target.ns,
        [userId],
        "unread_update",
        { conversation_id: target.publicId, conversation_type: target.type, unread_count, mentioned, muted_until, total_unread: total },
        { durable: false },
      );
    });
    await Promise.all(emits);
  }

  /** Who a message changes the unread state of: the other members, or in a large group only those it mentions. */
  async function recipients(target: UnreadTarget, message: MessageRecord): Promise<string[]> {
    if (target.type !== "group") return target.memberIds.filter((id) => id !== message.sender_id);
    const ids = await d.messages.memberIds(target.key, UNREAD_FANOUT_MAX_MEMBERS + 1);
    if (ids.length > UNREAD_FANOUT_MAX_MEMBERS) return message.mentions.filter((id) => id !== message.sender_id);
    return ids.filter((id) => id !== message.sender_id);
  }

  return {
    /** The user's read position or mute changed: every device of theirs gets the new state. */
    toUser: (target: UnreadTarget, userId: string) => send(target, [userId]),

    /** A message was stored: it is unread for every other member. */
    async afterSend(target: UnreadTarget, message: MessageRecord) {
      await send(target, await recipients(target, message));
    },

    /** `before` (as it was) was deleted: it no longer counts for those who had not read it. */
    async afterDelete(target: UnreadTarget, before: MessageRecord) {
      await send(target, await recipients(target, before), (row) => row.read_seq < before.seq);
    },

    /**
     * The users left the conversation (removed, or it was deleted): its count is gone from
     * their total. Each gets the conversation at zero and their new total (one batched read).
     */
    async afterLeave(target: UnreadTarget, userIds: readonly string[]) {
      if (userIds.length === 0) return;
      const totals = new Map<string, number>(userIds.map((id) => [id, 0]));
      for (const r of await d.messages.unreadOfUsers(userIds)) if (r.conversation_key !== target.key) totals.set(r.user_id, (totals.get(r.user_id) ?? 0) + r.unread);
      await Promise.all(
        [...totals].map(([userId, total]) =>
          d.notifier.toUsers(target.ns, [userId], "unread_update", { conversation_id: target.publicId, conversation_type: target.type, unread_count: 0, mentioned: false, muted_until: null, total_unread: total }, { durable: false }),
        ),
      );
    },

    /** An edit changed who the message mentions: those added or dropped who have not read it. */
    async afterEdit(target: UnreadTarget, before: MessageRecord, after: MessageRecord) {
      const changed = [...before.mentions.filter((id) => !after.mentions.includes(id)), ...after.mentions.filter((id) => !before.mentions.includes(id))];
      await send(target, changed, (row) => row.read_seq < after.seq);
    },
  };
}

export type UnreadUpdates = ReturnType<typeof createUnreadUpdates>;
