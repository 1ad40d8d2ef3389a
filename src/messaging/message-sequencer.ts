// Gap-free, duplicate-free message numbering without transactions (FerretDB v1 has none).
//
// 1. Insert the message with seq null. The unique (sender_id, client_message_id) index
//    makes this the idempotency claim: a retry hits the duplicate key and gets the original.
// 2. Take the next seq from the conversation's atomic counter ($inc) and stamp it on the
//    message. Readers only see messages that have a seq.
// A retry that finds the original still without a seq waits briefly for the first
// request to finish, and completes it itself if that request died in between. If two
// ever race to stamp the same message, the loser turns its seq into a tombstone, so the
// sequence still has no hole.
import type { ConversationModel } from "./conversation.model.ts";
import type { MessageDoc, MessageModel } from "./message.model.ts";
import { AppError } from "../shared/errors.ts";

type NewMessage = Omit<MessageDoc, "_id" | "seq" | "edited" | "last_edited_at" | "edits" | "deleted" | "deleted_at" | "reactions">;

const PENDING_WAIT_MS = 2000;

function isDuplicateKey(err: unknown): boolean {
  return typeof err === "object" && err !== null && (err as { code?: number }).code === 11000;
}

export async function insertPending(Message: MessageModel, base: NewMessage): Promise<{ doc: MessageDoc; existing: MessageDoc | null }> {
  try {
    const created = await Message.create({ ...base, seq: null });
    return { doc: created.toObject(), existing: null };
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
    const existing = await Message.findOne({ sender_id: base.sender_id, client_message_id: base.client_message_id }).lean();
    if (!existing) throw err;
    return { doc: existing, existing };
  }
}

/** `inserted` is true for the request whose insert created the message. */
export async function ensureSeq(Message: MessageModel, Conversation: ConversationModel, doc: MessageDoc, inserted: boolean): Promise<{ doc: MessageDoc; assignedHere: boolean }> {
  if (doc.seq !== null) return { doc, assignedHere: false };
  if (!inserted) {
    // A retry of a send that may still be in flight: give the first request time to finish.
    const deadline = doc.created_at.getTime() + PENDING_WAIT_MS;
    while (Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 25));
      const current = await Message.findById(doc._id).lean();
      if (current?.seq != null) return { doc: current, assignedHere: false };
    }
  }
  return assign(Message, Conversation, doc);
}

async function assign(Message: MessageModel, Conversation: ConversationModel, doc: MessageDoc) {
  const conv = await Conversation.findOneAndUpdate(
    { _id: doc.conversation_key },
    { $inc: { last_seq: 1 }, $set: { last_message_at: new Date() } },
    { returnDocument: "after" },
  ).lean();
  if (!conv) throw new AppError("not_found", "Conversation not found");
  const seq = conv.last_seq;
  const stamped = await Message.findOneAndUpdate({ _id: doc._id, seq: null }, { $set: { seq } }, { returnDocument: "after" }).lean();
  if (stamped) return { doc: stamped, assignedHere: true };
  // Someone else stamped it first: keep our seq as a tombstone rather than leave a hole.
  await Message.create({
    conversation_key: doc.conversation_key,
    seq,
    client_message_id: `gap-${doc.conversation_key}-${seq}`,
    sender_id: "system",
    sender: { id: "system", username: "system", display_name: "system", avatar_url: null },
    text: "",
    kind: "system",
    deleted: true,
    deleted_at: new Date(),
    created_at: new Date(),
  });
  const winner = await Message.findById(doc._id).lean();
  return { doc: winner!, assignedHere: false };
}
