// The messaging collections (conversations, members, messages, reactions, events, groups).
// schemas.ts gathers them with the others.
import { Schema } from "mongoose";

const opts = { versionKey: false, minimize: false } as const;
const req = (type: unknown) => ({ type, required: true });
const nullable = (type: unknown) => ({ type, default: null });
const Mixed = Schema.Types.Mixed;

/** No secondary index: listOf reads the user's conversations by _id ($in) and sorts them itself. */
export interface ConversationDoc {
  _id: string; // the key
  type: string;
  public_id: string;
  mode: string | null;
  last_seq: number;
  last_message_at: Date | null;
  created_at: Date;
}
const conversations = new Schema(
  { _id: req(String), type: req(String), public_id: req(String), mode: nullable(String), last_seq: { type: Number, default: 0 }, last_message_at: nullable(Date), created_at: req(Date) },
  opts,
);

/** One document per (conversation, member): a join is an insert, a leave a delete. */
export interface MemberDoc {
  _id: string; // `${conversation_key}#${user_id}`
  conversation_key: string;
  user_id: string;
  role: string;
  joined_at: Date;
  read_seq: number;
  read_at: Date | null;
  muted_until: Date | null;
}
const members = new Schema(
  {
    _id: req(String),
    conversation_key: req(String),
    user_id: req(String),
    role: req(String),
    joined_at: req(Date),
    read_seq: { type: Number, default: 0 },
    read_at: nullable(Date),
    muted_until: nullable(Date),
  },
  opts,
);
members.index({ user_id: 1, conversation_key: 1 });
members.index({ conversation_key: 1, joined_at: 1, user_id: 1 });

export interface MessageDoc {
  _id: string;
  conversation_key: string;
  seq: number;
  client_message_id: string;
  sender_id: string;
  sender: unknown;
  text: string;
  kind: string;
  media: unknown;
  sticker: unknown;
  reply_to: unknown;
  edited: boolean;
  last_edited_at: Date | null;
  edits: { text: string; edited_at: Date }[];
  deleted: boolean;
  deleted_at: Date | null;
  /** Mentioned member ids; emptied when the message is deleted. */
  mentions: string[];
  mode: string | null;
  created_at: Date;
}
const messages = new Schema(
  {
    _id: req(String),
    conversation_key: req(String),
    seq: req(Number),
    client_message_id: req(String),
    sender_id: req(String),
    sender: req(Mixed),
    text: { type: String, default: "" },
    kind: req(String),
    media: nullable(Mixed),
    sticker: nullable(Mixed),
    reply_to: nullable(Mixed),
    edited: { type: Boolean, default: false },
    last_edited_at: nullable(Date),
    edits: { type: [{ _id: false, text: String, edited_at: Date }], default: [] },
    deleted: { type: Boolean, default: false },
    deleted_at: nullable(Date),
    mentions: { type: [String], default: [] },
    mode: nullable(String),
    created_at: req(Date),
  },
  opts,
);
// The arbiter of gap-free numbering (message-append.ts): a seq exists once per conversation.
messages.index({ conversation_key: 1, seq: 1 }, { unique: true });
// Idempotent sends: one message per (sender, client_message_id).
messages.index({ sender_id: 1, client_message_id: 1 }, { unique: true });
messages.index({ conversation_key: 1, created_at: 1, seq: 1 });
// Read state (messages.ts): a member's own messages above a position, the deleted ones there
// (unread counts by difference, see read-state.ts), and a member's mentions above it (multikey).
messages.index({ conversation_key: 1, sender_id: 1, seq: 1 });
messages.index({ conversation_key: 1, deleted: 1, seq: 1 });
messages.index({ mentions: 1, conversation_key: 1, seq: 1 });
// A user's own messages a page at a time (account deletion and export).
messages.index({ sender_id: 1, _id: 1 });

/** One document per (message, user): a reaction never rewrites its message. */
export interface ReactionDoc {
  _id: string; // `${message_id}#${user_id}`
  message_id: string;
  conversation_key: string;
  user_id: string;
  emoji: string;
  at: Date;
  username: string;
}
const reactions = new Schema(
  { _id: req(String), message_id: req(String), conversation_key: req(String), user_id: req(String), emoji: req(String), at: req(Date), username: req(String) },
  opts,
);
reactions.index({ message_id: 1 });
reactions.index({ conversation_key: 1 }); // a group's removal
reactions.index({ user_id: 1 }); // an account deletion

/** An event at its stream position; the payload is JSON text, so no key of it becomes a field name. */
export interface EventDoc {
  _id: number;
  type: string;
  ns: string;
  conversation_key: string | null;
  user_ids: string[];
  payload: string;
  /** The batch that wrote it: tells a writer which positions it actually got. */
  writer: string;
  created_at: Date;
}
const events = new Schema(
  {
    _id: req(Number),
    type: req(String),
    ns: req(String),
    conversation_key: nullable(String),
    user_ids: { type: [String], default: [] },
    payload: req(String),
    writer: req(String),
    created_at: req(Date),
  },
  opts,
);
events.index({ conversation_key: 1, _id: 1 });
events.index({ user_ids: 1, _id: 1 });
events.index({ created_at: 1, _id: 1 }); // prune: the old positions, from the index alone

export interface StreamDoc {
  _id: string; // "main"
  epoch: string;
  pruned_through: number;
}
const streams = new Schema({ _id: req(String), epoch: req(String), pruned_through: { type: Number, default: 0 } }, opts);

export interface GroupDoc {
  _id: string;
  name: string;
  description: string;
  is_public: boolean;
  owner_id: string;
  avatar_url: string | null;
  created_at: Date;
  updated_at: Date;
}
const groups = new Schema(
  {
    _id: req(String),
    name: req(String),
    description: { type: String, default: "" },
    is_public: req(Boolean),
    owner_id: req(String),
    avatar_url: nullable(String),
    created_at: req(Date),
    updated_at: req(Date),
  },
  opts,
);
// Public groups, most recently updated first (the id breaks ties the way SQLite does).
groups.index({ is_public: 1, updated_at: -1, _id: -1 });

export const messagingSchemas = {
  conversations,
  conversation_members: members,
  messages,
  message_reactions: reactions,
  events,
  event_streams: streams,
  groups,
} as const;
