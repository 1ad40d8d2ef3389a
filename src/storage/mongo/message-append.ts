// Gap-free, duplicate-free message numbering without transactions or counters, on any
// number of nodes, on MongoDB and on FerretDB v1 (whose updates are not atomic).
//
// A message's seq is its conversation's highest stored seq + 1, and the unique index
// {conversation_key, seq} is the arbiter: of two writers that read the same highest seq,
// one insert lands and the other fails, rereads and tries the next. A seq therefore exists
// only once its message is stored, and each is the one after a stored one: no hole, ever,
// whoever crashes when. Sends of one conversation on this node take turns (a keyed mutex),
// so collisions only happen between nodes.
//
// This node remembers the highest message it knows of per conversation (its own last
// insert, or the highest it read) and checks that this message is still stored before
// numbering after it: a point read by _id instead of a range read of the highest seq (on
// FerretDB, which uses no index, about 1 ms instead of 70 ms at a few hundred messages).
// The check is what keeps a conversation deleted and created again under the same key on
// another node (a group id reused) from being numbered after a message that is gone.
//
// The insert also meets {sender_id, client_message_id}: a send already stored (a retry,
// maybe through another node) is returned as it is, created=false; the seq was not used.
//
// last_seq/last_message_at follow after the insert, raised only (`last_seq < seq`), best
// effort: a process killed in between, or FerretDB's read-then-write updates racing another
// node's, can leave them trailing until the conversation's next message.
import { LRUCache } from "lru-cache";
import type { Model } from "mongoose";
import type { MessageRecord, NewMessage } from "../../messaging/message.repository.ts";
import { KeyedMutex } from "../../shared/keyed-mutex.ts";
import { DuplicateKeyError, StorageUnavailableError } from "../errors.ts";
import { isDuplicateKey } from "./errors.ts";
import { raw, type ConversationDoc, type MessageDoc } from "./schemas.ts";

const MAX_ATTEMPTS = 50;
const KNOWN_MAX = 10_000;

export interface AppendDeps {
  Message: Model<MessageDoc>;
  Conversation: Model<ConversationDoc>;
  /** Reads messages with their reactions (messages.ts). */
  withReactions(docs: MessageDoc[]): Promise<MessageRecord[]>;
  toRecord(doc: MessageDoc): MessageRecord;
}

export function createAppender(d: AppendDeps) {
  const turns = new KeyedMutex();
  /** Per conversation, the highest message this node knows of; touched under the conversation's turn only. */
  const known = new LRUCache<string, { seq: number; id: string }>({ max: KNOWN_MAX });

  /**
   * A seq stored in the conversation, normally the highest: this node's last known one if
   * its message is still there (another node may have gone further: the insert after it
   * then collides and the highest is read), else the highest read from the database.
   */
  async function highestSeq(key: string): Promise<number> {
    const mine = known.get(key);
    if (mine && (await d.Message.exists({ _id: mine.id, conversation_key: key, seq: mine.seq }))) return mine.seq;
    known.delete(key);
    const top = await d.Message.findOne({ conversation_key: key }, { seq: 1 }).sort({ seq: -1 }).lean<Pick<MessageDoc, "_id" | "seq">>();
    if (!top) return 0;
    known.set(key, { seq: top.seq, id: top._id });
    return top.seq;
  }

  async function raiseHead(key: string, seq: number, at: Date) {
    try {
      // $max: a message stamped earlier (another node's clock) does not move the time back.
      await d.Conversation.updateOne({ _id: key, last_seq: { $lt: seq } }, { $set: { last_seq: seq }, $max: { last_message_at: at } });
    } catch {
      // The message is stored; the head catches up with the next one (see above).
    }
  }

  async function store(m: NewMessage): Promise<{ message: MessageRecord; created: boolean }> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const seq = (await highestSeq(m.conversation_key)) + 1;
      const doc: MessageDoc = {
        _id: m.id,
        conversation_key: m.conversation_key,
        seq,
        client_message_id: m.client_message_id,
        sender_id: m.sender_id,
        sender: m.sender,
        text: m.text ?? "",
        kind: m.kind,
        media: m.media ?? null,
        sticker: m.sticker ?? null,
        reply_to: m.reply_to ?? null,
        edited: false,
        last_edited_at: null,
        edits: [],
        deleted: false,
        deleted_at: null,
        mentions: [...(m.mentions ?? [])],
        mode: m.mode ?? null,
        created_at: m.created_at,
      };
      try {
        await raw(d.Message).insertOne(doc);
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
        // Which unique index? FerretDB does not say: look, the retry case first (under the
        // same id too: on FerretDB the refused insert can come back before the winner's
        // message is visible to the first read).
        const sent = await d.Message.findOne({ sender_id: m.sender_id, client_message_id: m.client_message_id }).lean<MessageDoc>();
        if (sent) return { message: (await d.withReactions([sent]))[0]!, created: false };
        const sameId = await d.Message.findOne({ _id: m.id }).lean<MessageDoc>();
        if (sameId?.sender_id === m.sender_id && sameId.client_message_id === m.client_message_id) {
          return { message: (await d.withReactions([sameId]))[0]!, created: false };
        }
        if (sameId) throw new DuplicateKeyError("id");
        known.delete(m.conversation_key);
        continue; // the seq was taken by another node: read the new highest and go again
      }
      known.set(m.conversation_key, { seq, id: m.id });
      await raiseHead(m.conversation_key, seq, m.created_at);
      return { message: d.toRecord(doc), created: true };
    }
    throw new StorageUnavailableError(`conversation ${m.conversation_key}: no free seq after ${MAX_ATTEMPTS} attempts (too many concurrent writers)`);
  }

  return {
    append: (m: NewMessage) => turns.run(m.conversation_key, () => store(m)),
  };
}
