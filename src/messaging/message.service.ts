// The one message machinery behind couples, groups and DMs: send (idempotent, gap-free
// seq), edit, delete, reactions and reads. The conversation kind only enters through its
// policy; after changing data, this service does its own fan-out through the notifier.
import { Types } from "mongoose";
import type { Message, UserCard } from "../../handlers/events.ts";
import { AppError, forbidden, notFound } from "../shared/errors.ts";
import type { Notifier } from "../events/notifier.ts";
import type { ConversationRef } from "./conversation-policy.ts";
import type { ConversationModel } from "./conversation.model.ts";
import type { LatestWindow } from "./latest-window.ts";
import { sentState, type MessageDoc, type MessageModel } from "./message.model.ts";
import { reactionSummary, toMessage, toReactions } from "./message.dto.ts";
import type { SendMessageBody } from "./message.schemas.ts";
import { createSequencer, repairHoles } from "./message-sequencer.ts";

export interface MessageDeps {
  Message: MessageModel;
  Conversation: ConversationModel;
  window: LatestWindow;
  windowSize: number;
  notifier: Notifier;
  maxPage: number;
  /** Checks media URLs and sticker references against what this server serves. */
  validateAttachments(input: SendMessageBody): Promise<void>;
  emitToUser(ns: string, userId: string, event: "message_ack", payload: unknown): void;
  canDelete(ref: ConversationRef, userId: string, message: MessageDoc): Promise<boolean>;
}

export interface Actor {
  id: string;
  card: UserCard;
}

export function createMessageService(d: MessageDeps) {
  const sequencer = createSequencer({ Message: d.Message, Conversation: d.Conversation });
  async function findInConversation(ref: ConversationRef, messageId: string): Promise<MessageDoc> {
    const m = await d.Message.findOne({ _id: new Types.ObjectId(messageId), conversation_key: ref.key, seq: { $gt: 0 } }).lean();
    if (!m) throw notFound("Message");
    return m;
  }

  async function replySnapshot(ref: ConversationRef, messageId: string) {
    const q = await findInConversation(ref, messageId).catch(() => {
      throw new AppError("validation_error", "reply_to_message_id: no such message in this conversation");
    });
    const quoted = toMessage(q);
    return { message_id: quoted.id, sender: quoted.sender, text: quoted.text.slice(0, 500), timestamp: quoted.created_at, kind: quoted.kind, media: quoted.media };
  }

  async function publish(ref: ConversationRef, event: "new_message" | "message_updated" | "message_deleted", message: Message) {
    await d.notifier.toConversation(ref, event, { message });
  }

  return {
    /** Writes what the send path defers (each conversation's last_seq), waiting at most `ms`; for a graceful shutdown. */
    flushDeferred(ms = 2000): Promise<void> {
      let timer: NodeJS.Timeout | undefined;
      const bound = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms).unref()));
      return Promise.race([sequencer.flushHeads(), bound]).finally(() => clearTimeout(timer));
    },

    async send(ref: ConversationRef, actor: Actor, input: SendMessageBody & { client_message_id: string }): Promise<{ message: Message; duplicate: boolean }> {
      await d.validateAttachments(input);
      const reply_to = input.reply_to_message_id ? await replySnapshot(ref, input.reply_to_message_id) : null;
      const base = {
        conversation_key: ref.key,
        client_message_id: input.client_message_id,
        sender_id: actor.id,
        sender: actor.card,
        text: input.text,
        kind: input.kind,
        media: input.media ?? null,
        sticker: input.sticker ?? null,
        reply_to,
        mode: ref.mode,
        created_at: new Date(),
      };

      if (ref.mode === "incognito") {
        // Delivered live only: never stored, never in the sync log, no seq.
        const message = toMessage({ ...base, _id: new Types.ObjectId(), seq: null, ...sentState() });
        await d.notifier.toConversation(ref, "new_message", { message }, { durable: false });
        d.emitToUser(ref.ns, actor.id, "message_ack", ackOf(message, false));
        return { message, duplicate: false };
      }

      const { doc: stored, created } = await sequencer.send(base);
      if (stored.conversation_key !== ref.key) {
        throw new AppError("conflict", "client_message_id: already used for a message in another conversation");
      }
      const message = toMessage(stored);
      if (created) {
        await d.window.append(ref.key, message);
        await publish(ref, "new_message", message);
      }
      const duplicate = !created;
      d.emitToUser(ref.ns, actor.id, "message_ack", ackOf(message, duplicate));
      return { message, duplicate };
    },

    async edit(ref: ConversationRef, actor: Actor, messageId: string, text: string): Promise<Message> {
      const m = await findInConversation(ref, messageId);
      if (m.sender_id !== actor.id) throw forbidden("Only the sender can edit a message");
      if (m.deleted) throw new AppError("conflict", "A deleted message cannot be edited");
      const now = new Date();
      const updated = await d.Message.findOneAndUpdate(
        { _id: m._id, deleted: false },
        { $set: { text, edited: true, last_edited_at: now }, $push: { edits: { text: m.text, edited_at: now } } },
        { returnDocument: "after" },
      ).lean();
      if (!updated) throw new AppError("conflict", "A deleted message cannot be edited");
      const message = toMessage(updated);
      await d.window.invalidate(ref.key);
      await publish(ref, "message_updated", message);
      return message;
    },

    async remove(ref: ConversationRef, actor: Actor, messageId: string): Promise<Message> {
      const m = await findInConversation(ref, messageId);
      if (!(await d.canDelete(ref, actor.id, m))) throw forbidden("Only the sender or a group admin can delete this message");
      if (m.deleted) return toMessage(m); // deleting twice is harmless
      // The content is wiped, not hidden: a tombstone keeps only what ordering needs.
      const updated = await d.Message.findOneAndUpdate(
        { _id: m._id },
        { $set: { deleted: true, deleted_at: new Date(), text: "", media: null, sticker: null, reply_to: null, edits: [], reactions: {} } },
        { returnDocument: "after" },
      ).lean();
      const message = toMessage(updated!);
      await d.window.invalidate(ref.key);
      await publish(ref, "message_deleted", message);
      return message;
    },

    async toggleReaction(ref: ConversationRef, actor: Actor, messageId: string, emoji: string) {
      const m = await findInConversation(ref, messageId);
      if (m.deleted) throw new AppError("conflict", "A deleted message cannot be reacted to");
      const path = `reactions.${actor.id}`;
      // Same emoji again removes it; another emoji replaces it (one reaction per user).
      const removed = await d.Message.updateOne({ _id: m._id, [`${path}.emoji`]: emoji }, { $unset: { [path]: "" } });
      if (removed.modifiedCount === 0) {
        await d.Message.updateOne({ _id: m._id }, { $set: { [path]: { emoji, at: new Date(), username: actor.card.username } } });
      }
      const after = await d.Message.findById(m._id).lean();
      const reactions = toReactions(after!.reactions);
      const result = { conversation_id: ref.publicId, message_id: messageId, reactions, summary: reactionSummary(reactions) };
      await d.window.invalidate(ref.key);
      await d.notifier.toConversation(ref, "message_reaction_update", result);
      return result;
    },

    /** The newest `count` messages in seq order, from the read model when it covers them. */
    async latest(ref: ConversationRef, count: number): Promise<Message[]> {
      const n = Math.min(count, d.maxPage);
      if (n <= d.windowSize) {
        const cached = await d.window.get(ref.key);
        if (cached && (cached.messages.length >= n || cached.messages[0]?.seq === 1 || cached.messages.length === 0)) {
          return cached.messages.slice(-n);
        }
      }
      const version = await d.window.version(ref.key);
      const docs = await d.Message.find({ conversation_key: ref.key, seq: { $gt: 0 } })
        .sort({ seq: -1 })
        .limit(Math.max(n, d.windowSize))
        .lean();
      const messages = docs.reverse().map(toMessage);
      await d.window.fill(ref.key, messages, version);
      return messages.slice(-n);
    },

    /** A page of history: before a timestamp, before a seq, or after a seq; always ascending by seq. */
    async history(ref: ConversationRef, q: { limit: number; before_timestamp?: string | undefined; before_seq?: number | undefined; after_seq?: number | undefined }) {
      const limit = Math.min(q.limit, d.maxPage);
      if (q.after_seq !== undefined) {
        const docs = await d.Message.find({ conversation_key: ref.key, seq: { $gt: q.after_seq } }).sort({ seq: 1 }).limit(limit).lean();
        // Reading forward is how clients fill gaps, so this is where a dead sender's hole heals.
        return (await repairHoles(d.Message, ref.key, q.after_seq, docs)).slice(0, limit).map(toMessage);
      }
      const filter: Record<string, unknown> = { conversation_key: ref.key, seq: { $gt: 0 } };
      if (q.before_seq !== undefined) filter.seq = { $gt: 0, $lt: q.before_seq };
      if (q.before_timestamp !== undefined) filter.created_at = { $lt: new Date(q.before_timestamp) };
      const sort: Record<string, -1> = q.before_timestamp !== undefined ? { created_at: -1, seq: -1 } : { seq: -1 };
      const docs = await d.Message.find(filter).sort(sort).limit(limit).lean();
      return docs.map(toMessage).sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0));
    },

    async byId(ref: ConversationRef, messageId: string): Promise<Message> {
      return toMessage(await findInConversation(ref, messageId));
    },

    async byTimestamp(ref: ConversationRef, timestamp: string): Promise<Message> {
      const at = new Date(timestamp);
      if (Number.isNaN(at.getTime())) throw new AppError("validation_error", "timestamp: must be an ISO 8601 date-time");
      const m = await d.Message.findOne({ conversation_key: ref.key, created_at: at, seq: { $gt: 0 } }).lean();
      if (!m) throw notFound("Message at that timestamp");
      return toMessage(m);
    },
  };
}

function ackOf(message: Message, duplicate: boolean) {
  return { client_message_id: message.client_message_id, message_id: message.id, conversation_id: message.conversation_id, seq: message.seq, duplicate };
}

export type MessageService = ReturnType<typeof createMessageService>;
