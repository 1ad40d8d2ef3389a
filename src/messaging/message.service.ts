// The one message machinery behind couples, groups and DMs: send (idempotent, gap-free
// seq), edit, delete, reactions and reads. The conversation kind only enters through its
// policy; after changing data, this service does its own fan-out through the notifier,
// unread updates included (unread.ts). The seq itself comes from the repository
// (MessageRepository.append), and so do the members mentions resolve to (mentions.ts).
import type { Message } from "../contract/models.ts";
import type { Actor } from "./actor-directory.ts";
import { AppError, forbidden, notFound } from "../shared/errors.ts";
import { ID_PATTERN, newId } from "../shared/ids.ts";
import type { Notifier } from "../events/notifier.ts";
import type { ConversationRef } from "./conversation-policy.ts";
import type { LatestWindow } from "./latest-window.ts";
import type { MessageRecord, MessageRepository } from "./message.repository.ts";
import { reactionSummary, sentState, toMessage, toReactions } from "./message.dto.ts";
import type { SendMessageBody } from "./message.schemas.ts";
import type { PushTriggers } from "../push/push-triggers.ts";
import { resolveMentions } from "./mentions.ts";
import { createUnreadUpdates } from "./unread.ts";
import type { SenderRedaction } from "./deleted-senders.ts";

export interface MessageDeps {
  messages: MessageRepository;
  window: LatestWindow;
  windowSize: number;
  notifier: Notifier;
  maxPage: number;
  /** Checks media URLs (uploaded here by the sender) and sticker references (they exist). */
  validateAttachments(input: SendMessageBody, senderId: string): Promise<void>;
  canDelete(ref: ConversationRef, userId: string, message: MessageRecord): Promise<boolean>;
  /** Pushes to members with no device connected (src/push/push-triggers.ts); returns at once. */
  push?: PushTriggers;
  /**
   * Runs follow-up work after the answer (the other members' unread updates): not on the
   * sender's ack path, but tracked so a graceful shutdown waits for it. Default: awaited inline.
   */
  afterwards?: (job: () => Promise<unknown>) => void;
  /**
   * Serves the messages of an account being deleted as tombstones before the deletion job
   * reaches them (deleted-senders.ts); every read below passes through it. Default: none.
   */
  redaction?: Pick<SenderRedaction, "messages">;
}

export function createMessageService(d: MessageDeps) {
  const unread = createUnreadUpdates({ messages: d.messages, notifier: d.notifier });
  const served = (list: Message[]): Promise<Message[]> => (d.redaction ? d.redaction.messages(list) : Promise.resolve(list));
  const servedOne = async (m: Message): Promise<Message> => (await served([m]))[0]!;
  const afterwards = async (job: () => Promise<unknown>) => (d.afterwards ? d.afterwards(job) : void (await job()));

  async function findInConversation(ref: ConversationRef, messageId: string): Promise<MessageRecord> {
    const m = ID_PATTERN.test(messageId) ? await d.messages.byId(ref.key, messageId) : null;
    if (!m) throw notFound("Message");
    return m;
  }

  async function replySnapshot(ref: ConversationRef, messageId: string) {
    const q = await findInConversation(ref, messageId).catch(() => {
      throw new AppError("validation_error", "reply_to_message_id: no such message in this conversation");
    });
    // A tombstone has nothing left to quote (nor has a message of an account being deleted).
    const quoted = await servedOne(toMessage(q));
    if (quoted.deleted) throw new AppError("validation_error", "reply_to_message_id: that message was deleted");
    return { message_id: quoted.id, sender: quoted.sender, text: quoted.text.slice(0, 500), timestamp: quoted.created_at, kind: quoted.kind, media: quoted.media };
  }

  async function changed(ref: ConversationRef, event: "message_updated" | "message_deleted", record: MessageRecord) {
    await d.window.invalidate(ref.key);
    const message = toMessage(record);
    await d.notifier.toConversation(ref, event, { message });
    return message;
  }

  /** Wipes the content, tells every device, updates unread counts: the one delete path, whoever deletes. */
  async function wipe(ref: ConversationRef, m: MessageRecord): Promise<Message> {
    if (m.deleted) return toMessage(m); // deleting twice is harmless
    // The content is wiped, not hidden: a tombstone keeps only what ordering needs.
    const updated = await d.messages.tombstone(ref.key, m.id, new Date());
    if (!updated) throw notFound("Message");
    const message = await changed(ref, "message_deleted", updated);
    await afterwards(() => unread.afterDelete(ref, m));
    return message;
  }

  /** Every device of the sender learns the message was stored (the sending one also gets the event's ack). */
  function ackToSender(ref: ConversationRef, actor: Actor, message: Message, duplicate: boolean) {
    return d.notifier.toUsers(ref.ns, [actor.id], "message_ack", ackOf(message, duplicate), { durable: false });
  }

  return {
    async send(ref: ConversationRef, actor: Actor, input: SendMessageBody & { client_message_id: string }): Promise<{ message: Message; duplicate: boolean }> {
      await d.validateAttachments(input, actor.id);
      const reply_to = input.reply_to_message_id ? await replySnapshot(ref, input.reply_to_message_id) : null;
      const base = {
        id: newId(),
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
        // Delivered live only: never stored, never in the sync log, no seq (nor unread: it never counts).
        const message = toMessage({ ...base, seq: null, ...sentState() });
        await d.notifier.toConversation(ref, "new_message", { message }, { durable: false });
        await ackToSender(ref, actor, message, false);
        d.push?.message(ref, message);
        return { message, duplicate: false };
      }

      const mentions = await resolveMentions(d.messages, ref, actor.id, input.text);
      const { message: stored, created } = await d.messages.append({ ...base, mentions });
      if (stored.conversation_key !== ref.key) {
        throw new AppError("conflict", "client_message_id: already used for a message in another conversation");
      }
      const message = toMessage(stored);
      if (created) {
        await d.window.append(ref.key, message);
        await d.notifier.toConversation(ref, "new_message", { message });
      }
      await ackToSender(ref, actor, message, !created);
      if (created) await afterwards(() => unread.afterSend(ref, stored));
      if (created) d.push?.message(ref, message);
      return { message, duplicate: !created };
    },

    async edit(ref: ConversationRef, actor: Actor, messageId: string, text: string): Promise<Message> {
      const m = await findInConversation(ref, messageId);
      if (m.sender_id !== actor.id) throw forbidden("Only the sender can edit a message");
      if (m.deleted) throw new AppError("conflict", "A deleted message cannot be edited");
      const mentions = await resolveMentions(d.messages, ref, actor.id, text);
      const updated = await d.messages.edit(ref.key, m.id, text, new Date(), mentions);
      if (!updated) throw new AppError("conflict", "A deleted message cannot be edited");
      const message = await changed(ref, "message_updated", updated);
      await afterwards(() => unread.afterEdit(ref, m, updated));
      return message;
    },

    async remove(ref: ConversationRef, actor: Actor, messageId: string): Promise<Message> {
      const m = await findInConversation(ref, messageId);
      if (!(await d.canDelete(ref, actor.id, m))) throw forbidden("Only the sender or a group admin can delete this message");
      return wipe(ref, m);
    },

    /** Deletes a message for a moderator who was allowed already (src/moderation: a report's resolution). */
    async removeAsModerator(ref: ConversationRef, messageId: string): Promise<Message> {
      return wipe(ref, await findInConversation(ref, messageId));
    },

    async toggleReaction(ref: ConversationRef, actor: Actor, messageId: string, emoji: string) {
      const m = await findInConversation(ref, messageId);
      if (m.deleted) throw new AppError("conflict", "A deleted message cannot be reacted to");
      const after = await d.messages.toggleReaction(ref.key, m.id, actor.id, { emoji, at: new Date(), username: actor.card.username });
      if (!after) throw new AppError("conflict", "A deleted message cannot be reacted to");
      const reactions = toReactions(after.reactions);
      const result = { conversation_id: ref.publicId, message_id: messageId, reactions, summary: reactionSummary(reactions) };
      await d.window.invalidate(ref.key);
      await d.notifier.toConversation(ref, "message_reaction_update", result);
      d.push?.reaction(ref, m, actor, after.reactions[actor.id]?.emoji);
      return result;
    },

    /** The newest `count` messages in seq order, from the read model when it covers them. */
    async latest(ref: ConversationRef, count: number): Promise<Message[]> {
      const n = Math.min(count, d.maxPage);
      if (n <= d.windowSize) {
        const cached = await d.window.get(ref.key);
        if (cached && (cached.messages.length >= n || cached.messages[0]?.seq === 1 || cached.messages.length === 0)) {
          return served(cached.messages.slice(-n));
        }
      }
      const version = await d.window.version(ref.key);
      const messages = (await d.messages.latest(ref.key, Math.max(n, d.windowSize))).map(toMessage);
      await d.window.fill(ref.key, messages, version);
      return served(messages.slice(-n));
    },

    /** A page of history: before a timestamp, before a seq, or after a seq; always ascending by seq. */
    async history(ref: ConversationRef, q: { limit: number; before_timestamp?: string | undefined; before_seq?: number | undefined; after_seq?: number | undefined }) {
      const limit = Math.min(q.limit, d.maxPage);
      let rows: MessageRecord[];
      if (q.after_seq !== undefined) rows = await d.messages.after(ref.key, q.after_seq, limit);
      else if (q.before_timestamp !== undefined) rows = await d.messages.beforeTime(ref.key, new Date(q.before_timestamp), limit);
      else rows = await d.messages.beforeSeq(ref.key, q.before_seq ?? Number.MAX_SAFE_INTEGER, limit);
      return served(rows.map(toMessage));
    },

    async byId(ref: ConversationRef, messageId: string): Promise<Message> {
      return servedOne(toMessage(await findInConversation(ref, messageId)));
    },

    async byTimestamp(ref: ConversationRef, timestamp: string): Promise<Message> {
      const at = new Date(timestamp);
      if (Number.isNaN(at.getTime())) throw new AppError("validation_error", "timestamp: must be an ISO 8601 date-time");
      const m = await d.messages.atTime(ref.key, at);
      if (!m) throw notFound("Message at that timestamp");
      return servedOne(toMessage(m));
    },
  };
}

function ackOf(message: Message, duplicate: boolean) {
  return { client_message_id: message.client_message_id, message_id: message.id, conversation_id: message.conversation_id, seq: message.seq, duplicate };
}

export type MessageService = ReturnType<typeof createMessageService>;
