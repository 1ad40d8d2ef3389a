import type { Model } from "mongoose";
import type { ChatMode, ConversationType } from "../../contract/models.ts";
import { groupByKey, type ConversationRecord, type ConversationRepository, type MemberRecord, type MemberRole } from "../../messaging/conversation.repository.ts";
import { KeyedMutex } from "../../shared/keyed-mutex.ts";
import { inserted, isDuplicateKey } from "./errors.ts";
import { raw, type ConversationDoc, type MemberDoc } from "./schemas.ts";

export function toConversation(d: ConversationDoc): ConversationRecord {
  return {
    key: d._id,
    type: d.type as ConversationType,
    public_id: d.public_id,
    mode: (d.mode ?? null) as ChatMode | null,
    last_seq: d.last_seq ?? 0,
    last_message_at: d.last_message_at ?? null,
    created_at: d.created_at,
  };
}

export function conversationDoc(c: ConversationRecord): ConversationDoc {
  const { key, ...rest } = c;
  return { _id: key, ...rest, mode: c.mode ?? null, last_seq: c.last_seq ?? 0, last_message_at: c.last_message_at ?? null };
}

export function toMember(d: MemberDoc): MemberRecord {
  return {
    conversation_key: d.conversation_key,
    user_id: d.user_id,
    role: d.role as MemberRole,
    joined_at: d.joined_at,
    read_seq: d.read_seq ?? 0,
    read_at: d.read_at ?? null,
    muted_until: d.muted_until ?? null,
  };
}

export const memberId = (key: string, userId: string) => `${key}#${userId}`;

export function memberDoc(m: MemberRecord): MemberDoc {
  return { _id: memberId(m.conversation_key, m.user_id), ...m, read_seq: m.read_seq ?? 0, read_at: m.read_at ?? null, muted_until: m.muted_until ?? null };
}

export interface ConversationModels {
  Conversation: Model<ConversationDoc>;
  Member: Model<MemberDoc>;
}

/** Inserts the members that are not members yet (ensure and groups.create). */
export async function insertMembers(Member: Model<MemberDoc>, key: string, members: readonly { user_id: string; role: MemberRole }[], joinedAt: Date) {
  if (members.length === 0) return;
  const docs = members.map((m) => memberDoc({ conversation_key: key, user_id: m.user_id, role: m.role, joined_at: joinedAt, read_seq: 0, read_at: null, muted_until: null }));
  try {
    await raw(Member).insertMany(docs, { ordered: false });
  } catch (err) {
    if (!isDuplicateKey(err)) throw err; // the others were inserted (unordered)
  }
}

/** Most recent activity first: last_message_at (none last), then created_at, then key. */
function recentFirst(x: ConversationRecord, y: ConversationRecord): number {
  const ax = x.last_message_at?.getTime() ?? -Infinity;
  const ay = y.last_message_at?.getTime() ?? -Infinity;
  if (ax !== ay) return ay > ax ? 1 : -1;
  return y.created_at.getTime() - x.created_at.getTime() || (x.key < y.key ? -1 : x.key > y.key ? 1 : 0);
}

export function mongoConversations(d: ConversationModels): ConversationRepository {
  const { Conversation, Member } = d;
  const reads = new KeyedMutex();
  const byKey = async (key: string) => {
    const doc = await Conversation.findById(key).lean<ConversationDoc>();
    return doc ? toConversation(doc) : null;
  };

  return {
    async ensure(c, members) {
      const doc: ConversationDoc = { _id: c.key, type: c.type, public_id: c.public_id, mode: c.mode ?? null, last_seq: 0, last_message_at: null, created_at: c.created_at };
      // The insert is the creation: whoever inserts it adds the members.
      for (let attempt = 0; attempt < 3; attempt++) {
        if (await inserted(raw(Conversation).insertOne(doc))) {
          await insertMembers(Member, c.key, members, c.created_at);
          return { conversation: toConversation(doc), created: true };
        }
        const existing = await byKey(c.key);
        if (existing) return { conversation: existing, created: false };
        // Deleted between our insert and our read: try again.
      }
      throw new Error(`conversation ${c.key}: created and deleted concurrently, again and again`);
    },

    byKey,

    async setMode(key, mode) {
      await Conversation.updateOne({ _id: key }, { $set: { mode } });
    },

    async listOf(userId, type, limit) {
      if (limit <= 0) return [];
      // Keys start with their type ("group:..."): the user's memberships of that type are a
      // key range of {user_id, conversation_key}; their conversations are read by _id and
      // sorted here, bounded by how many conversations the user is in.
      const mine = await Member.find({ user_id: userId, conversation_key: { $gt: `${type}:`, $lt: `${type};` } }).lean<MemberDoc[]>();
      if (mine.length === 0) return [];
      const convs = await Conversation.find({ _id: { $in: mine.map((m) => m.conversation_key) } }).lean<ConversationDoc[]>();
      const member = new Map(mine.map((m) => [m.conversation_key, m]));
      return convs
        .filter((c) => c.type === type)
        .map(toConversation)
        .sort(recentFirst)
        .slice(0, limit)
        .map((conversation) => ({ conversation, member: toMember(member.get(conversation.key)!) }));
    },

    async keysOf(userId) {
      const rows = await Member.find({ user_id: userId }, { conversation_key: 1 }).lean<Pick<MemberDoc, "conversation_key">[]>();
      return rows.map((r) => r.conversation_key);
    },

    async keysOfMany(userIds) {
      const out = new Map<string, string[]>();
      if (userIds.length === 0) return out;
      const rows = await Member.find({ user_id: { $in: [...new Set(userIds)] } }, { conversation_key: 1, user_id: 1 }).lean<Pick<MemberDoc, "conversation_key" | "user_id">[]>();
      for (const r of rows) {
        const keys = out.get(r.user_id);
        if (keys) keys.push(r.conversation_key);
        else out.set(r.user_id, [r.conversation_key]);
      }
      return out;
    },

    async member(key, userId) {
      const doc = await Member.findById(memberId(key, userId)).lean<MemberDoc>();
      return doc ? toMember(doc) : null;
    },

    async members(key) {
      return (await Member.find({ conversation_key: key }).sort({ joined_at: 1, user_id: 1 }).lean<MemberDoc[]>()).map(toMember);
    },

    async membersOfMany(keys) {
      // {conversation_key, joined_at, user_id} serves the $in and the order within each key.
      const docs = await Member.find({ conversation_key: { $in: [...keys] } }).sort({ conversation_key: 1, joined_at: 1, user_id: 1 }).lean<MemberDoc[]>();
      return groupByKey(docs.map(toMember));
    },

    addMember(key, m) {
      return inserted(raw(Member).insertOne(memberDoc({ conversation_key: key, user_id: m.user_id, role: m.role, joined_at: m.joined_at, read_seq: 0, read_at: null, muted_until: null })));
    },

    async removeMember(key, userId) {
      return (await Member.deleteOne({ _id: memberId(key, userId) })).deletedCount === 1;
    },

    async setRole(key, userId, role) {
      return (await Member.updateOne({ _id: memberId(key, userId) }, { $set: { role } })).matchedCount === 1;
    },

    async markRead(key, userId, seq, at) {
      // Only a lower position matches, so the update never lowers it and says whether it
      // raised it. FerretDB v1 applies it as read-then-write, so one member's receipts take
      // turns on this node; two nodes writing the same member's position at the same
      // instant may still leave the lower one there until the next receipt.
      const id = memberId(key, userId);
      return reads.run(id, async () => {
        const raised = await Member.findOneAndUpdate({ _id: id, read_seq: { $lt: seq } }, { $set: { read_seq: seq, read_at: at } }, { returnDocument: "after" }).lean<MemberDoc>();
        if (raised) return { seq: raised.read_seq, advanced: true };
        const current = await Member.findById(id, { read_seq: 1 }).lean<MemberDoc>();
        return current ? { seq: current.read_seq, advanced: false } : null;
      });
    },

    async setMute(key, userId, until) {
      return (await Member.updateOne({ _id: memberId(key, userId) }, { $set: { muted_until: until } })).matchedCount === 1;
    },
  };
}
