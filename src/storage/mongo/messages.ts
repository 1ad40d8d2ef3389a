import type { Model } from "mongoose";
import type { ChatMode, Media, MessageKind, ReplyTo, StickerRef, UserCard } from "../../contract/models.ts";
import { tombstoneContent, type MessageRecord, type MessageRepository, type StoredReaction } from "../../messaging/message.repository.ts";
import { KeyedMutex } from "../../shared/keyed-mutex.ts";
import { StorageUnavailableError } from "../errors.ts";
import { inserted } from "./errors.ts";
import { createAppender } from "./message-append.ts";
import { mongoReadState } from "./read-state.ts";
import { raw, type ConversationDoc, type MemberDoc, type MessageDoc, type ReactionDoc, type UserDoc } from "./schemas.ts";

/** The message without its reactions (they are documents of their own). */
export function toMessage(d: MessageDoc): MessageRecord {
  return {
    id: d._id,
    conversation_key: d.conversation_key,
    seq: d.seq,
    client_message_id: d.client_message_id,
    sender_id: d.sender_id,
    sender: d.sender as UserCard,
    text: d.text ?? "",
    kind: d.kind as MessageKind,
    media: (d.media ?? null) as Media | null,
    sticker: (d.sticker ?? null) as StickerRef | null,
    reply_to: (d.reply_to ?? null) as ReplyTo | null,
    edited: Boolean(d.edited),
    last_edited_at: d.last_edited_at ?? null,
    edits: (d.edits ?? []).map((e) => ({ text: e.text, edited_at: e.edited_at })),
    deleted: Boolean(d.deleted),
    deleted_at: d.deleted_at ?? null,
    reactions: {},
    mentions: d.deleted ? [] : [...(d.mentions ?? [])],
    mode: (d.mode ?? null) as ChatMode | null,
    created_at: d.created_at,
  };
}

export function messageDoc(m: MessageRecord): MessageDoc {
  const { id, reactions: _reactions, ...rest } = m;
  return {
    _id: id,
    ...rest,
    text: m.text ?? "",
    media: m.media ?? null,
    sticker: m.sticker ?? null,
    reply_to: m.reply_to ?? null,
    edits: m.edits ?? [],
    mentions: m.deleted ? [] : [...(m.mentions ?? [])],
  };
}

const MAX_TOGGLE_ATTEMPTS = 50;

export const reactionId = (messageId: string, userId: string) => `${messageId}#${userId}`;

export function reactionDoc(m: { id: string; conversation_key: string }, userId: string, r: StoredReaction): ReactionDoc {
  return { _id: reactionId(m.id, userId), message_id: m.id, conversation_key: m.conversation_key, user_id: userId, emoji: r.emoji, at: r.at, username: r.username };
}

export interface MessageModels {
  Message: Model<MessageDoc>;
  Reaction: Model<ReactionDoc>;
  Conversation: Model<ConversationDoc>;
  /** Read state reads the members' positions and resolves mentions by username (read-state.ts). */
  Member: Model<MemberDoc>;
  User: Model<UserDoc>;
}

export function mongoMessages(d: MessageModels): MessageRepository {
  const { Message, Reaction } = d;
  const toggles = new KeyedMutex();

  /** Messages with their reactions: one $in query per page. A deleted message has none. */
  async function withReactions(docs: MessageDoc[]): Promise<MessageRecord[]> {
    const out = docs.map(toMessage);
    const live = out.filter((m) => !m.deleted);
    if (live.length === 0) return out;
    const byId = new Map(live.map((m) => [m.id, m]));
    const rows = await Reaction.find({ message_id: { $in: [...byId.keys()] } }).lean<ReactionDoc[]>();
    for (const r of rows) {
      const m = byId.get(r.message_id);
      if (m) m.reactions[r.user_id] = { emoji: r.emoji, at: r.at, username: r.username };
    }
    return out;
  }

  const page = async (filter: Record<string, unknown>, sort: Record<string, 1 | -1>, n: number, reverse: boolean) => {
    if (n <= 0) return [];
    const docs = await Message.find(filter).sort(sort).limit(n).lean<MessageDoc[]>();
    return withReactions(reverse ? docs.reverse() : docs);
  };

  const one = async (key: string, id: string) => {
    const doc = await Message.findOne({ _id: id, conversation_key: key }).lean<MessageDoc>();
    return doc ? (await withReactions([doc]))[0]! : null;
  };

  /**
   * One document per (message, user), so users never contend. A toggle is exactly one
   * atomic step: a delete of the document holding this emoji, or an insert where there was
   * none (both atomic on FerretDB too), so N concurrent identical toggles on any nodes
   * leave the parity of N. A document holding another emoji is replaced (an update: two
   * different emojis from one user at the same instant on two nodes end as either one).
   * One user's toggles of a message also take turns on this node, so they rarely retry.
   */
  async function toggle(m: { id: string; conversation_key: string }, userId: string, r: StoredReaction): Promise<void> {
    const _id = reactionId(m.id, userId);
    for (let attempt = 0; attempt < MAX_TOGGLE_ATTEMPTS; attempt++) {
      if ((await Reaction.deleteOne({ _id, emoji: r.emoji })).deletedCount === 1) return;
      if (await inserted(raw(Reaction).insertOne(reactionDoc(m, userId, r)))) return;
      const replaced = await Reaction.updateOne({ _id, emoji: { $ne: r.emoji } }, { $set: { emoji: r.emoji, at: r.at, username: r.username } });
      if (replaced.modifiedCount === 1) return;
      // Another toggle moved it in between: look again.
    }
    throw new StorageUnavailableError(`reaction ${_id}: too many concurrent toggles`);
  }

  const appender = createAppender({ Message, Conversation: d.Conversation, withReactions, toRecord: toMessage });
  const readState = mongoReadState({ Message, Member: d.Member, User: d.User });

  return {
    append: appender.append,
    byId: one,
    latest: (key, n) => page({ conversation_key: key }, { seq: -1 }, n, true),
    after: (key, afterSeq, n) => page({ conversation_key: key, seq: { $gt: afterSeq } }, { seq: 1 }, n, false),
    beforeSeq: (key, beforeSeq, n) => page({ conversation_key: key, seq: { $lt: beforeSeq } }, { seq: -1 }, n, true),

    async beforeTime(key, at, n) {
      const rows = await page({ conversation_key: key, created_at: { $lt: at } }, { created_at: -1, seq: -1 }, n, false);
      return rows.sort((x, y) => x.seq - y.seq);
    },

    async atTime(key, at) {
      return (await page({ conversation_key: key, created_at: at }, { seq: 1 }, 1, false))[0] ?? null;
    },

    async lastSeq(key) {
      const top = await Message.findOne({ conversation_key: key }, { seq: 1 }).sort({ seq: -1 }).lean<Pick<MessageDoc, "seq">>();
      return top?.seq ?? 0;
    },

    async edit(key, id, text, at, mentions = []) {
      const current = await Message.findOne({ _id: id, conversation_key: key, deleted: false }, { text: 1 }).lean<Pick<MessageDoc, "text">>();
      if (!current) return null;
      const doc = await Message.findOneAndUpdate(
        { _id: id, conversation_key: key, deleted: false },
        { $set: { text, edited: true, last_edited_at: at, mentions: [...mentions] }, $push: { edits: { text: current.text, edited_at: at } } },
        { returnDocument: "after" },
      ).lean<MessageDoc>();
      return doc ? (await withReactions([doc]))[0]! : null;
    },

    async tombstone(key, id, at) {
      const doc = await Message.findOneAndUpdate(
        { _id: id, conversation_key: key },
        { $set: { deleted: true, deleted_at: at, ...tombstoneContent() } },
        { returnDocument: "after" },
      ).lean<MessageDoc>();
      if (!doc) return null;
      await Reaction.deleteMany({ message_id: id });
      return toMessage(doc);
    },

    async toggleReaction(key, id, userId, reaction) {
      const m = await Message.findOne({ _id: id, conversation_key: key, deleted: false }, { _id: 1 }).lean<Pick<MessageDoc, "_id">>();
      if (!m) return null;
      await toggles.run(reactionId(id, userId), () => toggle({ id, conversation_key: key }, userId, reaction));
      // (A reaction that lands after a concurrent tombstone's wipe is not shown: a deleted
      // message reads with no reactions.)
      return one(key, id);
    },

    unreadCounts: readState.unreadCounts,
    unreadOfUsers: readState.unreadOfUsers,
    memberIds: readState.memberIds,
    membersNamed: readState.membersNamed,
  };
}
