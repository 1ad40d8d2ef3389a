// The Socket.IO contract: every client→server and server→client event with its payload.
// The server is `Server<ClientEvents, ServerEvents>`; tests and client apps import the
// same types (type-only imports, no runtime code), so a renamed field breaks the build.

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
  mode: ChatMode | null;
  created_at: string;
}

/** Position in the user's durable event stream; absent on ephemeral events. */
export interface EventMeta {
  event_seq: number;
  epoch: string;
}

export type Ack<T = object> = (res: ({ ok: true } & T) | { ok: false; error: { code: string; message: string } }) => void;

export interface SendMessageInput {
  chat_id: string;
  client_message_id: string;
  text?: string;
  kind?: MessageKind;
  media?: Media | null;
  sticker?: StickerRef | null;
  reply_to_message_id?: string | null;
}

export interface ClientEvents {
  send_message: (p: SendMessageInput, ack: Ack<{ message: Message; duplicate: boolean }>) => void;
  edit_message: (p: { chat_id: string; message_id: string; text: string }, ack: Ack<{ message: Message }>) => void;
  delete_message: (p: { chat_id: string; message_id: string }, ack: Ack<{ message: Message }>) => void;
  toggle_reaction: (
    p: { chat_id: string; message_id: string; emoji: string },
    ack: Ack<{ message_id: string; reactions: Record<string, Reaction>; summary: Record<string, number> }>,
  ) => void;
  start_typing: (p: { chat_id: string }, ack?: Ack) => void;
  stop_typing: (p: { chat_id: string }, ack?: Ack) => void;
  mark_read: (p: { chat_id: string; seq: number }, ack: Ack<{ chat_id: string; seq: number }>) => void;
  ping_thinking_of_you: (p: { recipient_user_id: string }, ack: Ack) => void;
  change_chat_mode: (p: { chat_id: string; mode: ChatMode }, ack: Ack<{ chat_id: string; mode: ChatMode }>) => void;
  HEARTBEAT: (p: unknown, ack?: Ack<{ ts: string }>) => void;
  /** A fresh access token of the same session, before the socket's one expires. */
  auth: (p: { token: string }, ack: Ack<{ expires_at: string }>) => void;
}

export interface ServerEvents {
  new_message: (p: { message: Message; meta?: EventMeta }) => void;
  message_updated: (p: { message: Message; meta?: EventMeta }) => void;
  message_deleted: (p: { message: Message; meta?: EventMeta }) => void;
  message_reaction_update: (p: {
    conversation_id: string;
    message_id: string;
    reactions: Record<string, Reaction>;
    summary: Record<string, number>;
    meta?: EventMeta;
  }) => void;
  message_ack: (p: { client_message_id: string; message_id: string; conversation_id: string; seq: number | null; duplicate: boolean }) => void;
  user_presence_update: (p: { user_id: string; status: "online" | "offline"; last_seen: string | null; mood: string | null; meta?: EventMeta }) => void;
  typing_indicator: (p: { conversation_id: string; user_id: string; username: string; is_typing: boolean; meta?: EventMeta }) => void;
  thinking_of_you_received: (p: { from: UserCard; at: string; meta?: EventMeta }) => void;
  user_profile_update: (p: { user: UserCard; meta?: EventMeta }) => void;
  chat_mode_changed: (p: { conversation_id: string; mode: ChatMode; changed_by: string; meta?: EventMeta }) => void;
  read_receipt: (p: { conversation_id: string; user_id: string; seq: number; at: string; meta?: EventMeta }) => void;
  partner_request: (p: { request: PartnerRequest; meta?: EventMeta }) => void;
  partner_linked: (p: { partner: UserCard; chat_id: string | null; meta?: EventMeta }) => void;
  group_updated: (p: { group: GroupSummary; meta?: EventMeta }) => void;
  group_member_removed: (p: { group_id: string; user_id: string; meta?: EventMeta }) => void;
  group_deleted: (p: { group_id: string; meta?: EventMeta }) => void;
  /** Sent on every connect so that even an idle client has a recovery offset (see docs/DELIVERY.md). */
  session: (p: { user_id: string; recovered: boolean; epoch: string; last_event_seq: number }) => void;
  /** Right before the server disconnects the socket for good: log in again (revoked) or refresh and reconnect (expired). */
  session_ended: (p: { reason: "session_revoked" | "token_expired" }) => void;
  error: (p: { code: string; message: string }) => void;
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

export type ServerEventName = keyof ServerEvents;
export type ServerEventPayload<E extends ServerEventName> = Parameters<ServerEvents[E]>[0];

export interface SocketData {
  userId: string;
  sessionId: string;
  username: string;
  /** When the handshake's (or the last `auth` event's) access token expires, in ms since the epoch. */
  tokenExpiresAt: number;
}
