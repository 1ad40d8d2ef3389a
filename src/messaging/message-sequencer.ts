// Gap-free, duplicate-free message numbering without transactions (FerretDB v1 has none).
//
// 1. Insert the message with a negative placeholder seq. The unique (sender_id,
//    client_message_id) index makes this the idempotency claim: a retry hits the duplicate
//    key and gets the original. Readers only see seq > 0.
// 2. Take the next seq from the conversation's atomic counter ($inc) and stamp it on the
//    message. (conversation_key, seq) is unique, so no two messages ever share a seq.
//
// A retry that finds the original still unstamped waits briefly for the first request,
// and completes it itself if that request died. A request that died between taking a seq
// and stamping it leaves a hole; the completing retry fills recent holes with tombstones,
// so readers still see 1..N. A live request whose seq was taken by such a tombstone gets
// a duplicate-key error on stamping and simply takes the next seq.
import { randomInt } from "node:crypto";
import type { ConversationModel } from "./conversation.model.ts";
import type { MessageDoc, MessageModel } from "./message.model.ts";
import { AppError } from "../shared/errors.ts";

type NewMessage = Omit<MessageDoc, "_id" | "seq" | "edited" | "last_edited_at" | "edits" | "deleted" | "deleted_at" | "reactions">;

const PENDING_WAIT_MS = 2000;
const HOLE_SCAN = 200;

export const isDuplicateKey = (err: unknown) => typeof err === "object" && err !== null && (err as { code?: number }).code === 11000;
const placeholder = () => -(Date.now() * 1000 + randomInt(1000));

export async function insertPending(Message: MessageModel, base: NewMessage): Promise<{ doc: MessageDoc; existing: MessageDoc | null }> {
  for (let attempt = 0; ; attempt++) {
    try {
      const created = await Message.create({ ...base, seq: placeholder() });
      return { doc: created.toObject(), existing: null };
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      const existing = await Message.findOne({ sender_id: base.sender_id, client_message_id: base.client_message_id }).lean();
      if (existing) return { doc: existing, existing };
      if (attempt > 3) throw err; // a placeholder collision, retried with a fresh one
    }
  }
}

export const isStamped = (m: MessageDoc) => m.seq !== null && m.seq > 0;

/** `inserted` is true for the request whose insert created the message. */
export async function ensureSeq(Message: MessageModel, Conversation: ConversationModel, doc: MessageDoc, inserted: boolean): Promise<{ doc: MessageDoc; assignedHere: boolean }> {
  if (isStamped(doc)) return { doc, assignedHere: false };
  if (!inserted) {
    // A retry of a send that may still be in flight: give the first request time to finish.
    const deadline = doc.created_at.getTime() + PENDING_WAIT_MS;
    while (Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 25));
      const current = await Message.findById(doc._id).lean();
      if (current && isStamped(current)) return { doc: current, assignedHere: false };
    }
  }
  const result = await stamp(Message, Conversation, doc);
  // The first request is presumed dead; it may have taken a seq it never stamped.
  if (!inserted && result.assignedHere) await fillHoles(Message, doc.conversation_key, result.doc.seq!);
  return result;
}

async function stamp(Message: MessageModel, Conversation: ConversationModel, doc: MessageDoc): Promise<{ doc: MessageDoc; assignedHere: boolean }> {
  for (;;) {
    const conv = await Conversation.findOneAndUpdate(
      { _id: doc.conversation_key },
      { $inc: { last_seq: 1 }, $set: { last_message_at: new Date() } },
      { returnDocument: "after" },
    ).lean();
    if (!conv) throw new AppError("not_found", "Conversation not found");
    const seq = conv.last_seq;
    try {
      const stamped = await Message.findOneAndUpdate({ _id: doc._id, seq: { $lt: 0 } }, { $set: { seq } }, { returnDocument: "after" }).lean();
      if (stamped) return { doc: stamped, assignedHere: true };
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      continue; // a hole-filling tombstone took this seq: take the next one
    }
    // Someone else stamped it first: keep our seq as a tombstone rather than leave a hole.
    await tombstone(Message, doc.conversation_key, seq);
    const winner = await Message.findById(doc._id).lean();
    return { doc: winner!, assignedHere: false };
  }
}

async function tombstone(Message: MessageModel, conversationKey: string, seq: number) {
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
    if (!isDuplicateKey(err)) throw err; // already filled
  }
}

async function fillHoles(Message: MessageModel, conversationKey: string, upTo: number) {
  const from = Math.max(1, upTo - HOLE_SCAN);
  const present = await Message.find({ conversation_key: conversationKey, seq: { $gte: from, $lte: upTo } }, { seq: 1 }).lean();
  const have = new Set(present.map((m) => m.seq));
  for (let s = from; s <= upTo; s++) if (!have.has(s)) await tombstone(Message, conversationKey, s);
}
