// The messaging core's view of a conversation, whatever its kind: who is in it, the
// per-conversation sequence counter, and (couples) the chat mode. Kind-specific data
// (group names and roles, partner links) lives with its feature.
import { Schema, type Connection, type Model } from "mongoose";
import type { ChatMode, ConversationType } from "../../handlers/events.ts";

export interface ConversationDoc {
  _id: string; // "couple:<a>_<b>" | "group:<id>" | "dm:<a>|<b>"
  type: ConversationType;
  public_id: string;
  member_ids: string[];
  last_seq: number;
  mode: ChatMode | null;
  last_message_at: Date | null;
  created_at: Date;
}

export interface ReadStateDoc {
  _id: string; // "<conversation key>#<user id>"
  conversation_key: string;
  user_id: string;
  seq: number;
  at: Date;
}

const conversationSchema = new Schema<ConversationDoc>(
  {
    _id: { type: String, required: true },
    type: { type: String, required: true },
    public_id: { type: String, required: true },
    member_ids: { type: [String], default: [] },
    last_seq: { type: Number, default: 0 },
    mode: { type: String, default: null },
    last_message_at: { type: Date, default: null },
    created_at: { type: Date, default: () => new Date() },
  },
  { versionKey: false },
);
conversationSchema.index({ member_ids: 1, type: 1 });

// last_seq and last_message_at are written a little after the messages they count
// (conversation-heads.ts group-commits them, at most one write per conversation per flush
// interval). So that reads on the node that stored the messages never see them behind,
// every read of conversations through the model overlays the heads this node has not
// written yet (or is writing), and a query that sorts or filters by them first waits until
// they are written (an overlay cannot fix what the database sorted). Other nodes see them
// once written: at most a flush interval plus a round trip later.
export interface HeadSource {
  /** This node's unwritten head of a conversation, if any, and the created_at of the conversation it belongs to. */
  unwritten(key: string): { seq: number; at: Date; created: Date | null } | undefined;
  /** Writes every unwritten head; resolves once attempted. */
  flush(): Promise<void>;
  /** The conversation is being deleted: drop what is remembered of it, and let writes in flight land first. */
  forget(key: string): Promise<void>;
}
const headSources = new WeakMap<object, Set<HeadSource>>();
const HEAD_FIELDS = ["last_seq", "last_message_at"];

/** Makes every read of conversations through `model` reflect `source`'s unwritten heads. */
export function overlayConversationHeads(model: ConversationModel, source: HeadSource) {
  let set = headSources.get(model);
  if (!set) headSources.set(model, (set = new Set()));
  set.add(source);
}

function applyOverlays(sources: Set<HeadSource>, doc: unknown) {
  if (!doc || typeof doc !== "object") return;
  // Lean results only (every reader here uses lean): a hydrated document would take the
  // assignment as a change of its own.
  const d = doc as Partial<ConversationDoc> & { $__?: unknown };
  if (d.$__ !== undefined || typeof d._id !== "string") return;
  for (const source of sources) {
    const head = source.unwritten(d._id);
    // Only onto the conversation it counts (not one deleted and created again under the key;
    // with created_at not read, nothing is overlaid: a value a flush interval old, not a wrong one).
    if (!head || (d.created_at instanceof Date ? d.created_at.getTime() : null) !== (head.created?.getTime() ?? null)) continue;
    if (typeof d.last_seq === "number" && head.seq > d.last_seq) d.last_seq = head.seq;
    if ("last_message_at" in d && (d.last_message_at === null || (d.last_message_at instanceof Date && head.at > d.last_message_at))) d.last_message_at = head.at;
  }
}

type ConversationQuery = { model: object; getFilter(): Record<string, unknown>; getOptions(): { sort?: unknown } };

conversationSchema.pre(["find", "findOne", "findOneAndUpdate", "countDocuments"], async function () {
  const q = this as unknown as ConversationQuery;
  const sources = headSources.get(q.model);
  if (!sources) return;
  const sort = q.getOptions().sort;
  const sortKeys = sort && typeof sort === "object" ? Object.keys(sort) : typeof sort === "string" ? sort.split(/\s+/).map((k) => k.replace(/^-/, "")) : [];
  const filterKeys = Object.keys(q.getFilter());
  if ([...sortKeys, ...filterKeys].some((k) => HEAD_FIELDS.includes(k))) await Promise.all([...sources].map((s) => s.flush()));
});

// A deleted conversation may come back under the same key (group ids are chosen by their
// creators): nothing remembered of the old one may number or count the new one's messages.
conversationSchema.pre(["deleteOne", "deleteMany"], { document: false, query: true }, async function () {
  const q = this as unknown as ConversationQuery;
  const sources = headSources.get(q.model);
  if (!sources) return;
  const id = q.getFilter()._id;
  const keys = typeof id === "string" ? [id] : Array.isArray((id as { $in?: unknown })?.$in) ? ((id as { $in: unknown[] }).$in.filter((k) => typeof k === "string") as string[]) : null;
  if (keys === null) {
    // Not by key: forget everything (rare; nothing in the app deletes conversations so).
    await Promise.all([...sources].map((s) => s.forget("")));
    return;
  }
  await Promise.all(keys.flatMap((k) => [...sources].map((s) => s.forget(k))));
});

conversationSchema.post(["find", "findOne", "findOneAndUpdate"], function (res: unknown) {
  const sources = headSources.get((this as unknown as ConversationQuery).model);
  if (!sources) return;
  if (Array.isArray(res)) for (const doc of res) applyOverlays(sources, doc);
  else applyOverlays(sources, res);
});

const readStateSchema = new Schema<ReadStateDoc>(
  {
    _id: { type: String, required: true },
    conversation_key: { type: String, required: true },
    user_id: { type: String, required: true, index: true },
    seq: { type: Number, required: true },
    at: { type: Date, required: true },
  },
  { versionKey: false },
);

export type ConversationModel = Model<ConversationDoc>;
export type ReadStateModel = Model<ReadStateDoc>;

export function defineConversationModels(conn: Connection) {
  return {
    Conversation: conn.model<ConversationDoc>("Conversation", conversationSchema, "conversations"),
    ReadState: conn.model<ReadStateDoc>("ReadState", readStateSchema, "read_states"),
  };
}
