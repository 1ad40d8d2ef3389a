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
