// Keeps each conversation's last_seq and last_message_at (read by the chat and thread
// listings, and the seed of the sequencer) in step with its stored messages, off the send
// path. On FerretDB v1 an update costs the database about as much as two inserts, more than
// the message itself, so they are not written once per message: the highest seq per
// conversation is remembered and flushed FLUSH_MS later in one bulk write ($max, never
// lowering), one bulk write at a time per node, so this node never runs two updates of one
// conversation at once (an update there is read-then-write, and two at once could keep the
// lower value). Until then, reads through the model on this node see the unwritten values,
// and queries sorting or filtering by them wait for the flush (the sequencer registers this
// with overlayConversationHeads in conversation.model.ts), so an acked send is counted for
// its readers at once.
// A process killed before its flush leaves last_seq behind the stored messages: the chat
// listing shows a lower last_seq until the next message, and a sequencer seeded from it
// meets the stored seq as a duplicate and moves past it.
import type { mongo } from "mongoose";
import type { ConversationDoc, ConversationModel } from "./conversation.model.ts";

const FLUSH_MS = 1000;
const BATCH = 500;

interface Head {
  seq: number;
  at: Date;
  /** Which incarnation of the conversation the seq belongs to (its created_at). */
  created: Date | null;
}

export function createConversationHeads(Conversation: ConversationModel, flushMs = FLUSH_MS) {
  const conversations = Conversation.collection as unknown as mongo.Collection<ConversationDoc>;
  /** Heads not written yet. */
  const pending = new Map<string, Head>();
  /** Heads being written by the bulk write in flight. */
  let writing = new Map<string, Head>();
  let chain: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;

  async function writeOnce() {
    writing = new Map(pending);
    pending.clear();
    const entries = [...writing];
    try {
      for (let i = 0; i < entries.length; i += BATCH) {
        await conversations.bulkWrite(
          entries.slice(i, i + BATCH).map(([key, h]) => ({
            // Only the conversation the messages were stored in, not one recreated under its key.
            updateOne: { filter: { _id: key, created_at: h.created ?? { $exists: false } }, update: { $max: { last_seq: h.seq, last_message_at: h.at } } },
          })),
          { ordered: false },
        );
      }
    } catch {
      // Not retried: the messages are stored and announced all the same, and the next
      // message of each conversation writes a head covering this one.
    } finally {
      writing = new Map();
      if (pending.size) schedule();
    }
  }

  function schedule() {
    timer ??= setTimeout(() => void flush(), flushMs);
  }

  /** Writes what is pending now; resolves once it (and any write before it) has been attempted. */
  function flush(): Promise<void> {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (pending.size) chain = chain.then(writeOnce);
    return chain;
  }

  return {
    /** Raises the conversation's head to `seq` (never lowers it), written within flushMs. */
    advance(key: string, seq: number, at: Date, created: Date | null) {
      const h = pending.get(key);
      if (h && h.created?.getTime() === created?.getTime()) {
        h.seq = Math.max(h.seq, seq);
        if (at > h.at) h.at = at;
      } else {
        pending.set(key, { seq, at, created });
      }
      schedule();
    },
    flush,

    /** This node's unwritten (or being written) head of a conversation. */
    unwritten(key: string): Head | undefined {
      const p = pending.get(key);
      const w = writing.get(key);
      if (!p || !w) return p ?? w;
      return { seq: Math.max(p.seq, w.seq), at: p.at > w.at ? p.at : w.at, created: p.created };
    },

    /** Drops the pending head of `key` ("" = all) and waits for the write in flight. */
    forget(key: string): Promise<void> {
      if (key === "") pending.clear();
      else pending.delete(key);
      return chain;
    },
  };
}

export type ConversationHeads = ReturnType<typeof createConversationHeads>;
