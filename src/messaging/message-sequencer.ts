// Gap-free, duplicate-free message numbering, correct without transactions and even on a
// server whose $inc is not atomic (FerretDB v1 applies findAndModify as read-then-write).
//
// Per conversation, sends on one node run one at a time (a keyed mutex): the counter is
// never raced locally, and live events leave a node in seq order. For each send:
//   1. take the next seq from the conversation's counter ($inc);
//   2. insert the message with that seq. Two unique indexes decide what happened:
//      - (sender_id, client_message_id) taken: a retry of a send already stored (maybe by
//        another node). Our seq becomes a tombstone, the original is returned.
//      - (conversation_key, seq) taken: another node got the same seq (a lost $inc):
//        take the next one.
// Sends of the same key in flight on this node share one promise, and recently stored keys
// are remembered, so a retry on the same node (sticky sessions make that the usual case)
// is answered without touching the sequence. A retry on another node costs a tombstone. A process that dies between 1 and 2 leaves a hole, which the
// history read fills with a tombstone once it is old enough (repairHoles).
import { Types } from "mongoose";
import { isDuplicateKeyError } from "../infra/mongo.ts";
import { AppError } from "../shared/errors.ts";
import { KeyedMutex } from "../shared/keyed-mutex.ts";
import type { ConversationModel } from "./conversation.model.ts";
import type { MessageDoc, MessageModel } from "./message.model.ts";

export type NewMessage = Omit<MessageDoc, "_id" | "seq" | "edited" | "last_edited_at" | "edits" | "deleted" | "deleted_at" | "reactions">;

const HOLE_GRACE_MS = 2000;
const MAX_ATTEMPTS = 50;
const RECENT_MAX = 20_000;
const RECENT_TTL_MS = 10 * 60_000;

export function createSequencer(d: { Message: MessageModel; Conversation: ConversationModel }) {
  const perConversation = new KeyedMutex();
  const inFlight = new Map<string, Promise<{ doc: MessageDoc; created: boolean }>>();
  const recent = new Map<string, { id: Types.ObjectId; at: number }>();

  function remember(key: string, doc: MessageDoc) {
    recent.delete(key);
    recent.set(key, { id: doc._id, at: Date.now() });
    if (recent.size > RECENT_MAX) recent.delete(recent.keys().next().value!);
  }

  async function nextSeq(key: string): Promise<number> {
    const conv = await d.Conversation.findOneAndUpdate({ _id: key }, { $inc: { last_seq: 1 }, $set: { last_message_at: new Date() } }, { returnDocument: "after" }).lean();
    if (!conv) throw new AppError("not_found", "Conversation not found");
    return conv.last_seq;
  }

  async function store(base: NewMessage): Promise<{ doc: MessageDoc; created: boolean }> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const seq = await nextSeq(base.conversation_key);
      try {
        const created = await d.Message.create({ ...base, _id: new Types.ObjectId(), seq });
        return { doc: created.toObject(), created: true };
      } catch (err) {
        if (!isDuplicateKeyError(err)) throw err;
        const original = await d.Message.findOne({ sender_id: base.sender_id, client_message_id: base.client_message_id }).lean();
        if (original) {
          await tombstone(d.Message, base.conversation_key, seq);
          return { doc: original, created: false };
        }
        // The seq was taken: the counter lost an increment somewhere. Take the next one.
      }
    }
    throw new AppError("service_unavailable", "Could not allocate a message sequence number; retry");
  }

  return {
    /** Stores a message (or finds the one already stored for its client_message_id). */
    send(base: NewMessage): Promise<{ doc: MessageDoc; created: boolean }> {
      const idKey = `${base.sender_id}\u0000${base.client_message_id}`;
      const pending = inFlight.get(idKey);
      if (pending) return pending.then((r) => ({ doc: r.doc, created: false }));
      const p = (async () => {
        const seen = recent.get(idKey);
        if (seen && Date.now() - seen.at < RECENT_TTL_MS) {
          const doc = await d.Message.findById(seen.id).lean();
          if (doc) return { doc, created: false };
        }
        const result = await perConversation.run(base.conversation_key, () => store(base));
        remember(idKey, result.doc);
        return result;
      })().finally(() => inFlight.delete(idKey));
      inFlight.set(idKey, p);
      return p;
    },
  };
}

export type Sequencer = ReturnType<typeof createSequencer>;

export async function tombstone(Message: MessageModel, conversationKey: string, seq: number) {
  try {
    await Message.create({
      conversation_key: conversationKey,
      seq,
      client_message_id: `gap-${conversationKey}-${seq}`,
      sender_id: "system",
      sender: { id: "system", username: "system", display_name: "system", avatar_url: null },
      text: "",
      kind: "system",
      deleted: true,
      deleted_at: new Date(),
      created_at: new Date(),
    });
  } catch (err) {
    if (!isDuplicateKeyError(err)) throw err; // filled already
  }
}

/**
 * Fills holes in an ascending page of messages with tombstones when the message after the
 * hole is older than the grace period (a hole younger than that may be a send in flight).
 * Returns the page with the tombstones in place, cut before any hole still too young.
 */
export async function repairHoles(Message: MessageModel, conversationKey: string, afterSeq: number, page: MessageDoc[]): Promise<MessageDoc[]> {
  const out: MessageDoc[] = [];
  let expected = afterSeq + 1;
  for (const m of page) {
    if (m.seq! > expected) {
      if (Date.now() - m.created_at.getTime() < HOLE_GRACE_MS) return out;
      for (let s = expected; s < m.seq!; s++) await tombstone(Message, conversationKey, s);
      const filled = await Message.find({ conversation_key: conversationKey, seq: { $gte: expected, $lt: m.seq! } }).sort({ seq: 1 }).lean();
      out.push(...filled);
    }
    out.push(m);
    expected = m.seq! + 1;
  }
  return out;
}
