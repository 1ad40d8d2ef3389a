// The shapes the server sends: a message, a user's card, a group. Pure types, no imports,
// so every layer (storage, services, transports, clients) can use them without a cycle.
// The response schemas (`MessageSchema`, `GroupSchema`...) are checked against them at
// compile time (`sameShape`), so the OpenAPI document and these types cannot drift.

export type ConversationType = "couple" | "group" | "dm";
export type ChatMode = "normal" | "fight" | "incognito";
export type MessageKind = "text" | "image" | "video" | "audio" | "document" | "sticker" | "system";

export interface UserCard {
  id: string;
  username: string;
  display_name: string;
  avatar_url: string | null;
  mood?: string | null;
  bubble_color?: string | null;
}

export interface Media {
  original: string;
  preview?: string | null;
  thumbnail?: string | null;
  type: "image" | "video" | "audio" | "document";
  bytes?: number;
  width?: number;
  height?: number;
  duration?: number;
}

export interface StickerRef {
  pack_id: string;
  sticker_id: string;
  url: string;
}

export interface ReplyTo {
  message_id: string;
  sender: UserCard;
  text: string;
  timestamp: string;
  kind?: MessageKind;
  media?: Media | null;
}

export interface Reaction {
  emoji: string;
  at: string;
  user_id: string;
  username: string;
}

export interface Message {
  id: string;
  conversation_id: string;
  conversation_type: ConversationType;
  /** Per conversation, strictly increasing with no gaps; null only for incognito messages. */
  seq: number | null;
  client_message_id: string;
  sender: UserCard;
  text: string;
  kind: MessageKind;
  media: Media | null;
  sticker: StickerRef | null;
  reply_to: ReplyTo | null;
  edited: boolean;
  last_edited_at: string | null;
  edits: { text: string; edited_at: string }[];
  deleted: boolean;
  deleted_at: string | null;
  /** user id → that user's reaction. */
  reactions: Record<string, Reaction>;
  /** In a group, the members its `@username` tokens name (ids, in text order, the sender never); elsewhere empty. */
  mentions: string[];
  mode: ChatMode | null;
  created_at: string;
}

/** One conversation's unread state for one user (GET /api/unread, the chat lists). */
export interface UnreadState {
  conversation_id: string;
  type: ConversationType;
  /** Messages from others above the user's read position that are not deleted (muted conversations count too). */
  unread_count: number;
  /** Whether one of those messages mentions the user. */
  mentioned: boolean;
  /** Until when the user muted it; null when not muted (or the mute has ended). */
  muted_until: string | null;
}

/** What `unread_update` tells every device of a user when a conversation's unread state changed. */
export interface UnreadUpdate {
  conversation_id: string;
  conversation_type: ConversationType;
  unread_count: number;
  mentioned: boolean;
  muted_until: string | null;
  /** The user's unread messages over every conversation. */
  total_unread: number;
}

export interface PartnerRequest {
  id: string;
  sender: UserCard;
  recipient: UserCard;
  status: "pending" | "accepted" | "rejected" | "cancelled";
  created_at: string;
}

export interface GroupSummary {
  id: string;
  name: string;
  description: string;
  is_public: boolean;
  owner_id: string;
  avatar_url: string | null;
  members: { user_id: string; role: "owner" | "admin" | "member" }[];
  created_at: string;
  updated_at: string;
}

/** Why a push was sent. */
export type PushKind = "message" | "mention" | "reaction" | "thinking_of_you" | "partner_request" | "group_invite";

/** What a push carries (Web Push: the decrypted body; FCM: `data.payload`), docs/PUSH.md. */
export interface PushPayload {
  kind: PushKind;
  /** The conversation to open; null for a partner request (there is none yet). */
  conversation_id: string | null;
  conversation_type: ConversationType | null;
  sender: { id: string; display_name: string };
  preview?: string;
  /** The recipient's unread messages over all conversations, when the push was made. */
  badge: number;
  /** Same value for every push of one conversation: the device keeps the newest only. */
  collapse_key: string;
}
