// Gap-free, duplicate-free message numbering, correct without transactions, on MongoDB and
// on a server whose updates are read-then-write (FerretDB v1 applies $inc/$max that way).
//
// Per conversation, sends on one node run one at a time (a keyed mutex), so this node keeps
// the conversation's next seq in memory; the first send after a start (or after the entry
// was evicted) seeds it from the conversation's last_seq. A send is then one insert of the
// message with that seq (group-committed with other conversations' sends: insert-batcher.ts).
// Two unique indexes decide what happened:
//   - (sender_id, client_message_id) taken: a retry of a send already stored (maybe by
//     another node). The original is returned; the seq was not used and stays next.
//   - (conversation_key, seq) taken: another node used this seq (its counter is ahead of
//     ours, or ours was seeded from a last_seq left behind). Move past it and past the
//     conversation's last_seq, and on a second miss in a row past the highest stored seq,
//     and try again.
// Any other insert error leaves the seq next: if the insert did land, the retry meets it.
// The counter only moves past a seq that is stored (ours, or seen taken) or announced in
// last_seq, so this scheme makes no holes of its own.
//
// last_seq/last_message_at are raised ($max) after the insert, off the send path: written
// within a second, batched across conversations, and overlaid on this node's reads meanwhile
// (conversation-heads.ts). last_seq therefore never announces a seq before it is stored; a
// process killed before that write leaves last_seq behind, which the next sender meets as a
// duplicate seq (above) and the next message's write repairs.
//
// Sends of the same key in flight on this node share one promise, and recently stored keys
// are remembered, so a retry on the same node (sticky sessions make that the usual case) is
// answered without touching the sequence. Holes come only from data written before this
// scheme (a seq taken from a counter by a process that died before its insert); forward
// history reads fill them with tombstones once they are old enough (repairHoles).
import { Types, type mongo } from "mongoose";
import { isDuplicateKeyError } from "../infra/mongo.ts";
import { AppError } from "../shared/errors.ts";
import { KeyedMutex } from "../shared/keyed-mutex.ts";
import { createConversationHeads } from "./conversation-heads.ts";
import { createInsertBatcher } from "./insert-batcher.ts";
import { overlayConversationHeads, type ConversationModel } from "./conversation.model.ts";
import { sentState, type MessageDoc, type MessageModel } from "./message.model.ts";

export type NewMessage = Omit<MessageDoc, "_id" | "seq" | "edited" | "last_edited_at" | "edits" | "deleted" | "deleted_at" | "reactions">;

const HOLE_GRACE_MS = 2000;
const MAX_ATTEMPTS = 50;
const RECENT_MAX = 20_000;
const RECENT_TTL_MS = 10 * 60_000;
const NEXT_SEQ_MAX = 50_000;
const VERIFY_AFTER_MS = 2000;
// Message batches written at once: the database overlaps them (as it does lone inserts).
const INSERTS_IN_FLIGHT = 3;

/** Which unique index a duplicate-key error hit, when the server says (MongoDB does, FerretDB v1 does not). */
function duplicateOfSeq(err: unknown): boolean | undefined {
  const pattern = (err as { keyPattern?: Record<string, unknown> }).keyPattern;
  return pattern ? "seq" in pattern : undefined;
}

export function createSequencer(d: { Message: MessageModel; Conversation: ConversationModel }) {
  // Inserts through the driver (no mongoose document building), group-committed across
  // conversations.
  const inserts = createInsertBatcher(d.Message.collection as unknown as mongo.Collection<MessageDoc>, { parallel: INSERTS_IN_FLIGHT });
  const perConversation = new KeyedMutex();
  const inFlight = new Map<string, Promise<{ doc: MessageDoc; created: boolean }>>();
  const heads = createConversationHeads(d.Conversation);
  const recent = new Map<string, { id: Types.ObjectId; at: number }>();
  // The next seq to try per conversation, touched only under the conversation's mutex.
  // Least recently used first; an evicted entry is reseeded from the database. `created` is
  // the conversation's created_at: a group deleted and created again under the same key is
  // another conversation, numbered from 1. `generation`: entries from before a conversation
  // was deleted on this node are not used (deletions are rare: all are reseeded).
  const nextSeq = new Map<string, { next: number; created: Date | null; checkedAt: number; generation: number }>();
  let generation = 0;

  // Reads of conversations see this node's unwritten heads; deleting one forgets it here.
  overlayConversationHeads(d.Conversation, {
    unwritten: (key) => heads.unwritten(key),
    flush: () => heads.flush(),
    forget(key) {
      generation++;
      return heads.forget(key);
    },
  });

  function remember(key: string, doc: MessageDoc) {
    recent.delete(key);
    recent.set(key, { id: doc._id, at: Date.now() });
    if (recent.size > RECENT_MAX) recent.delete(recent.keys().next().value!);
  }

  function setNext(key: string, entry: { next: number; created: Date | null; checkedAt: number; generation: number }) {
    nextSeq.delete(key);
    nextSeq.set(key, entry);
    if (nextSeq.size > NEXT_SEQ_MAX) nextSeq.delete(nextSeq.keys().next().value!);
  }

  /** The conversation's stored head, or null if it does not exist. */
  async function seedOf(key: string): Promise<{ last: number; created: Date | null } | null> {
    const conv = await d.Conversation.findById(key, { last_seq: 1, created_at: 1 }).lean();
    return conv ? { last: conv.last_seq ?? 0, created: conv.created_at ?? null } : null;
  }

  async function highestStoredSeq(key: string): Promise<number> {
    const top = await d.Message.findOne({ conversation_key: key }, { seq: 1 }).sort({ seq: -1 }).lean();
    return top?.seq ?? 0;
  }

  const notFound = () => new AppError("not_found", "Conversation not found");

  async function store(base: NewMessage): Promise<{ doc: MessageDoc; created: boolean }> {
    const key = base.conversation_key;
    let misses = 0;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      let entry = nextSeq.get(key);
      if (entry && entry.generation !== generation) entry = undefined;
      // An entry not checked for a while is checked in parallel with the insert: another node
      // may have deleted the conversation and created it again under the same key.
      let check: Promise<{ last: number; created: Date | null } | null> | null = null;
      if (!entry) {
        const gen = generation;
        const seed = await seedOf(key);
        if (!seed) throw notFound();
        entry = { next: seed.last + 1, created: seed.created, checkedAt: Date.now(), generation: gen };
      } else if (Date.now() - entry.checkedAt > VERIFY_AFTER_MS) {
        check = seedOf(key);
      }
      const seq = entry.next;
      // Every field the schema would default, so the raw insert stores what Message.create would.
      const doc: MessageDoc = {
        _id: new Types.ObjectId(),
        conversation_key: key,
        seq,
        client_message_id: base.client_message_id,
        sender_id: base.sender_id,
        sender: base.sender,
        text: base.text ?? "",
        kind: base.kind,
        media: base.media ?? null,
        sticker: base.sticker ?? null,
        reply_to: base.reply_to ?? null,
        ...sentState(),
        mode: base.mode ?? null,
        created_at: base.created_at,
      };
      const [inserted, checked] = await Promise.allSettled([inserts.insert(doc), check]);
      if (checked.status === "fulfilled" && check) {
        const now = checked.value;
        if (!now || now.created?.getTime() !== entry.created?.getTime()) {
          // Gone, or another conversation now: our seq was counted for the old one.
          nextSeq.delete(key);
          if (inserted.status === "fulfilled") await d.Message.deleteOne({ _id: doc._id });
          if (!now) throw notFound();
          continue;
        }
        entry = { ...entry, checkedAt: Date.now() };
      }
      // (A failed check proves nothing: the entry stays as it was, to be checked next time.)
      if (inserted.status === "fulfilled") {
        setNext(key, { ...entry, next: seq + 1 });
        heads.advance(key, seq, doc.created_at, entry.created);
        return { doc, created: true };
      }
      const err = inserted.reason;
      // Any other error: the outcome is unknown, and the seq stays next (the unique index
      // arbitrates if the insert did land).
      if (!isDuplicateKeyError(err)) throw err;
      if (duplicateOfSeq(err) !== true) {
        const original = await d.Message.findOne({ sender_id: base.sender_id, client_message_id: base.client_message_id }).lean();
        if (original) return { doc: original, created: false };
      }
      // The seq was taken by another node: move past it and past what last_seq announces;
      // if that misses again, past the highest stored seq.
      misses++;
      const [seed, stored] = await Promise.all([seedOf(key), misses > 1 ? highestStoredSeq(key) : 0]);
      if (!seed) throw notFound();
      setNext(key, { next: Math.max(seq, seed.last, stored) + 1, created: seed.created, checkedAt: Date.now(), generation: entry.generation });
    }
    throw new AppError("service_unavailable", "Could not allocate a message sequence number; retry");
  }

  return {
    /** Writes the conversations' last_seq/last_message_at still pending (graceful shutdown). */
    flushHeads: () => heads.flush(),

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
