import type { Model } from "mongoose";
import type { GroupPatch, GroupRecord, GroupRepository } from "../../groups/group.repository.ts";
import { DuplicateKeyError } from "../errors.ts";
import { insertMembers } from "./conversations.ts";
import { inserted } from "./errors.ts";
import { raw, type ConversationDoc, type GroupDoc, type MemberDoc, type MessageDoc, type ReactionDoc } from "./schemas.ts";

export function toGroup(d: GroupDoc): GroupRecord {
  return {
    id: d._id,
    name: d.name,
    description: d.description ?? "",
    is_public: Boolean(d.is_public),
    owner_id: d.owner_id,
    avatar_url: d.avatar_url ?? null,
    created_at: d.created_at,
    updated_at: d.updated_at,
  };
}

export function groupDoc(g: GroupRecord): GroupDoc {
  const { id, ...rest } = g;
  return { _id: id, ...rest, description: g.description ?? "", avatar_url: g.avatar_url ?? null };
}

/** Most recently updated first; the id breaks ties (descending), as SQLite does. */
function recentFirst(x: GroupRecord, y: GroupRecord): number {
  return y.updated_at.getTime() - x.updated_at.getTime() || (y.id < x.id ? -1 : y.id > x.id ? 1 : 0);
}

const conversationKey = (id: string) => `group:${id}`;

export interface GroupModels {
  Group: Model<GroupDoc>;
  Conversation: Model<ConversationDoc>;
  Member: Model<MemberDoc>;
  Message: Model<MessageDoc>;
  Reaction: Model<ReactionDoc>;
}

export function mongoGroups(d: GroupModels): GroupRepository {
  const { Group, Conversation, Member, Message, Reaction } = d;
  const byId = async (id: string) => {
    const doc = await Group.findById(id).lean<GroupDoc>();
    return doc ? toGroup(doc) : null;
  };

  return {
    async create(g, members) {
      const group: GroupRecord = { ...g, avatar_url: g.avatar_url ?? null, updated_at: g.created_at };
      // The group insert is the claim of the id; the conversation and members follow.
      if (!(await inserted(raw(Group).insertOne(groupDoc(group))))) throw new DuplicateKeyError("id");
      const key = conversationKey(g.id);
      await inserted(raw(Conversation).insertOne({ _id: key, type: "group", public_id: g.id, mode: null, last_seq: 0, last_message_at: null, created_at: g.created_at }));
      await insertMembers(Member, key, members, g.created_at);
      return group;
    },

    byId,

    async update(id, patch: GroupPatch) {
      const set: Record<string, unknown> = { updated_at: new Date() };
      for (const f of ["name", "description", "is_public", "avatar_url"] as const) if (patch[f] !== undefined) set[f] = patch[f];
      const doc = await Group.findOneAndUpdate({ _id: id }, { $set: set }, { returnDocument: "after" }).lean<GroupDoc>();
      return doc ? toGroup(doc) : null;
    },

    async touch(id, at) {
      await Group.updateOne({ _id: id }, { $set: { updated_at: at } });
    },

    async remove(id) {
      if (!(await Group.exists({ _id: id }))) return false;
      const key = conversationKey(id);
      // No transaction (FerretDB v1 has none; on a MongoDB replica set this could be one):
      // the group goes last, so a remove interrupted half-way is finished by the next one,
      // and the id cannot be created again (the group insert is the claim) before every
      // message, reaction and member of the old group is gone.
      await Reaction.deleteMany({ conversation_key: key });
      await Message.deleteMany({ conversation_key: key });
      await Member.deleteMany({ conversation_key: key });
      await Conversation.deleteOne({ _id: key });
      return (await Group.deleteOne({ _id: id })).deletedCount === 1;
    },

    async listVisible(userId, mineOnly, limit) {
      if (limit <= 0) return [];
      // The user's groups: their group memberships (a key range), then those groups by _id.
      const mineKeys = Member.find({ user_id: userId, conversation_key: { $gt: "group:", $lt: "group;" } }, { conversation_key: 1 }).lean<Pick<MemberDoc, "conversation_key">[]>();
      const pub = mineOnly ? [] : Group.find({ is_public: true }).sort({ updated_at: -1, _id: -1 }).limit(limit).lean<GroupDoc[]>();
      const ids = (await mineKeys).map((m) => m.conversation_key.slice("group:".length));
      const mine = ids.length > 0 ? await Group.find({ _id: { $in: ids } }).lean<GroupDoc[]>() : [];
      const all = new Map([...mine, ...(await pub)].map((doc) => [doc._id, toGroup(doc)]));
      return [...all.values()].sort(recentFirst).slice(0, limit);
    },
  };
}
