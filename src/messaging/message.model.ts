// A stored message (see message-sequencer.ts for how `seq` is assigned). Incognito
// messages are never stored; their DTO has seq null.
import { Schema, type Connection, type Model, type Types } from "mongoose";
import type { ChatMode, Media, MessageKind, ReplyTo, StickerRef, UserCard } from "../../handlers/events.ts";

export interface StoredReaction {
  emoji: string;
  at: Date;
  username: string;
}

export interface MessageDoc {
  _id: Types.ObjectId;
  conversation_key: string;
  seq: number | null;
  client_message_id: string;
  sender_id: string;
  sender: UserCard;
  text: string;
  kind: MessageKind;
  media: Media | null;
  sticker: StickerRef | null;
  reply_to: ReplyTo | null;
  edited: boolean;
  last_edited_at: Date | null;
  edits: { text: string; edited_at: Date }[];
  deleted: boolean;
  deleted_at: Date | null;
  reactions: Record<string, StoredReaction>;
  mode: ChatMode | null;
  created_at: Date;
}

const messageSchema = new Schema<MessageDoc>(
  {
    conversation_key: { type: String, required: true },
    seq: { type: Number, default: null },
    client_message_id: { type: String, required: true },
    sender_id: { type: String, required: true },
    sender: { type: Schema.Types.Mixed, required: true },
    text: { type: String, default: "" },
    kind: { type: String, required: true },
    media: { type: Schema.Types.Mixed, default: null },
    sticker: { type: Schema.Types.Mixed, default: null },
    reply_to: { type: Schema.Types.Mixed, default: null },
    edited: { type: Boolean, default: false },
    last_edited_at: { type: Date, default: null },
    edits: { type: [{ _id: false, text: String, edited_at: Date }], default: [] },
    deleted: { type: Boolean, default: false },
    deleted_at: { type: Date, default: null },
    reactions: { type: Schema.Types.Mixed, default: {} },
    mode: { type: String, default: null },
    created_at: { type: Date, required: true },
  },
  { versionKey: false, minimize: false },
);
// Idempotent sends: one message per (sender, client_message_id).
messageSchema.index({ sender_id: 1, client_message_id: 1 }, { unique: true });
messageSchema.index({ conversation_key: 1, seq: -1 }, { unique: true });
messageSchema.index({ conversation_key: 1, created_at: -1 });

export type MessageModel = Model<MessageDoc>;

/**
 * What every message is when it is sent: not edited, not deleted, no reactions. The same
 * in the database and on the wire; fresh arrays and objects on every call.
 */
export function sentState() {
  return { edited: false, last_edited_at: null, edits: [] as never[], deleted: false, deleted_at: null, reactions: {} as Record<string, never> };
}

export function defineMessageModel(conn: Connection): MessageModel {
  return conn.model<MessageDoc>("Message", messageSchema, "messages");
}
