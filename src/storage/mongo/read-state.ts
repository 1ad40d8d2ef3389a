// Read state on MongoDB: unread counts, mention flags, member lookups for the message
// service. Every query here is batched: one per user whatever the number of conversations,
// never one per conversation. The count is done by the server ($group): only the counts
// travel. (On MongoDB it walks the {conversation_key, seq} range of each unread message;
// SQLite counts by difference instead, see sqlite/read-state.ts.)
import type { Model } from "mongoose";
import type { UnreadRow } from "../../messaging/message.repository.ts";
import { memberId } from "./conversations.ts";
import type { MemberDoc, MessageDoc, UserDoc } from "./schemas.ts";

export interface ReadStateModels {
  Message: Model<MessageDoc>;
  Member: Model<MemberDoc>;
  User: Model<UserDoc>;
}

type Position = { key: string; afterSeq: number };

const above = (positions: readonly Position[]) => positions.map((p) => ({ conversation_key: p.key, seq: { $gt: p.afterSeq } }));

export function mongoReadState(d: ReadStateModels) {
  const { Message, Member, User } = d;

  async function unreadCounts(userId: string, positions: readonly Position[]): Promise<Map<string, number>> {
    const counts = new Map(positions.map((p) => [p.key, 0]));
    if (positions.length === 0) return counts;
    // $ne cannot bound an index scan: each branch's {conversation_key, seq} range does, and
    // the sender and deletion are checked on the messages in it.
    const rows = await Message.aggregate<{ _id: string; n: number }>([
      { $match: { $or: above(positions), sender_id: { $ne: userId }, deleted: { $ne: true } } },
      { $group: { _id: "$conversation_key", n: { $sum: 1 } } },
    ]);
    for (const r of rows) counts.set(r._id, r.n);
    return counts;
  }

  /** The conversations among `positions` where a message above the position mentions the user (deleted ones mention nobody). */
  async function mentionedIn(userId: string, positions: readonly Position[]): Promise<Set<string>> {
    if (positions.length === 0) return new Set();
    const docs = await Message.find({ mentions: userId, $or: above(positions) }, { conversation_key: 1 }).lean<Pick<MessageDoc, "conversation_key">[]>();
    return new Set(docs.map((m) => m.conversation_key));
  }

  return {
    unreadCounts,

    async unreadOfUsers(userIds: readonly string[]): Promise<UnreadRow[]> {
      if (userIds.length === 0) return [];
      const memberships = await Member.find({ user_id: { $in: [...userIds] } }).lean<MemberDoc[]>();
      const byUser = new Map<string, MemberDoc[]>();
      for (const m of memberships) byUser.set(m.user_id, [...(byUser.get(m.user_id) ?? []), m]);
      const perUser = await Promise.all(
        [...byUser].map(async ([userId, mine]) => {
          const positions = mine.map((m) => ({ key: m.conversation_key, afterSeq: m.read_seq ?? 0 }));
          const [counts, mentioned] = await Promise.all([unreadCounts(userId, positions), mentionedIn(userId, positions)]);
          return mine.map(
            (m): UnreadRow => ({
              user_id: userId,
              conversation_key: m.conversation_key,
              read_seq: m.read_seq ?? 0,
              unread: counts.get(m.conversation_key) ?? 0,
              mentioned: mentioned.has(m.conversation_key),
              muted_until: m.muted_until ?? null,
            }),
          );
        }),
      );
      return perUser.flat();
    },

    async memberIds(key: string, limit: number): Promise<string[]> {
      if (limit <= 0) return [];
      const rows = await Member.find({ conversation_key: key }, { user_id: 1 }).sort({ joined_at: 1, user_id: 1 }).limit(limit).lean<Pick<MemberDoc, "user_id">[]>();
      return rows.map((r) => r.user_id);
    },

    async membersNamed(key: string, usernames: readonly string[]): Promise<{ user_id: string; username: string }[]> {
      if (usernames.length === 0) return [];
      const users = await User.find({ username: { $in: [...usernames] } }, { username: 1 }).lean<Pick<UserDoc, "_id" | "username">[]>();
      if (users.length === 0) return [];
      const members = await Member.find({ _id: { $in: users.map((u) => memberId(key, u._id)) } }, { user_id: 1 }).lean<Pick<MemberDoc, "user_id">[]>();
      const isMember = new Set(members.map((m) => m.user_id));
      return users.filter((u) => isMember.has(u._id)).map((u) => ({ user_id: u._id, username: u.username }));
    },
  };
}
