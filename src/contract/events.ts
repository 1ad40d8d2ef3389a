// The Socket.IO contract: every client→server and server→client event with its payload
// and its ack. The server is `Server<ClientEvents, ServerEvents>` and its handler tables
// are typed by `ClientEvents` (handlers/socket-pipeline.ts), so a wrong payload or ack is
// a compile error; tests, the client SDK (client/) and client apps import the same types
// (type-only imports, no runtime code), so a renamed field breaks their build too.
//
// Pure types with no imports but ./models.ts: the SDK's published declarations include
// this file, so it must not pull in zod or the server's modules. What a client sends is
// written out here and checked against the zod schema the server validates it with
// (`z.input`: what may be sent, defaults optional) by ./inputs-match-schemas.ts, so the
// type and the check cannot drift. What the server sends is described by the models.
import type { ChatMode, GroupSummary, Media, Message, MessageKind, PartnerRequest, Reaction, StickerRef, UnreadUpdate, UserCard } from "./models.ts";

/** Position in the user's durable event stream; absent on ephemeral events. */
export interface EventMeta {
  event_seq: number;
  epoch: string;
}

export interface AckError {
  code: string;
  message: string;
}
/** Every event sent with a callback gets exactly one answer: `ok: true` with the result, or the error. */
export type AckResponse<T extends object = object> = ({ ok: true } & T) | { ok: false; error: AckError };
export type Ack<T extends object = object> = (res: AckResponse<T>) => void;

/** `send_message`: the conversation, the idempotency key (one per message, reused on every retry) and the content. */
export interface SendMessageInput {
  chat_id: string;
  client_message_id: string;
  /** Required (a non-space character) for `text`, the default kind; a caption otherwise. */
  text?: string;
  kind?: Exclude<MessageKind, "system">;
  /** What POST /api/uploads returned, for image, video, audio and document messages. */
  media?: Media | null;
  sticker?: StickerRef | null;
  reply_to_message_id?: string | null;
}
export interface EditMessageInput {
  chat_id: string;
  message_id: string;
  text: string;
}
export interface DeleteMessageInput {
  chat_id: string;
  message_id: string;
}
export interface ToggleReactionInput {
  chat_id: string;
  message_id: string;
  /** One emoji or a `:shortcode:`. */
  emoji: string;
}
export interface ChatIdInput {
  chat_id: string;
}
export interface MarkReadInput {
  chat_id: string;
  /** Everything up to this seq has been read. */
  seq: number;
}
export interface ThinkingOfYouInput {
  recipient_user_id: string;
}
export interface ChangeModeInput {
  chat_id: string;
  mode: ChatMode;
}
export interface SocketAuthInput {
  /** A fresh access token of the same session. */
  token: string;
}

export interface ReactionUpdate {
  conversation_id: string;
  message_id: string;
  reactions: Record<string, Reaction>;
  summary: Record<string, number>;
}

export interface ClientEvents {
  send_message: (p: SendMessageInput, ack: Ack<{ message: Message; duplicate: boolean }>) => void;
  edit_message: (p: EditMessageInput, ack: Ack<{ message: Message }>) => void;
  delete_message: (p: DeleteMessageInput, ack: Ack<{ message: Message }>) => void;
  toggle_reaction: (p: ToggleReactionInput, ack: Ack<ReactionUpdate>) => void;
  start_typing: (p: ChatIdInput, ack?: Ack) => void;
  stop_typing: (p: ChatIdInput, ack?: Ack) => void;
  mark_read: (p: MarkReadInput, ack: Ack<{ chat_id: string; seq: number }>) => void;
  ping_thinking_of_you: (p: ThinkingOfYouInput, ack: Ack) => void;
  change_chat_mode: (p: ChangeModeInput, ack: Ack<{ chat_id: string; mode: ChatMode }>) => void;
  /** The seed's keep-alive, on every namespace: answered with the server's time. */
  HEARTBEAT: (p: unknown, ack?: Ack<{ ts: string }>) => void;
  /** A fresh access token of the same session, before the socket's one expires. */
  auth: (p: SocketAuthInput, ack: Ack<{ expires_at: string }>) => void;
}

export type ClientEventName = keyof ClientEvents;
/** What a client sends with an event. */
export type ClientPayload<E extends ClientEventName> = Parameters<ClientEvents[E]>[0];
/** What the ack of an event carries besides `ok: true`. */
export type AckResult<E extends ClientEventName> = NonNullable<Parameters<ClientEvents[E]>[1]> extends Ack<infer T> ? T : never;

export interface ServerEvents {
  new_message: (p: { message: Message; meta?: EventMeta }) => void;
  message_updated: (p: { message: Message; meta?: EventMeta }) => void;
  message_deleted: (p: { message: Message; meta?: EventMeta }) => void;
  message_reaction_update: (p: ReactionUpdate & { meta?: EventMeta }) => void;
  message_ack: (p: { client_message_id: string; message_id: string; conversation_id: string; seq: number | null; duplicate: boolean }) => void;
  user_presence_update: (p: { user_id: string; status: "online" | "offline"; last_seen: string | null; mood: string | null; meta?: EventMeta }) => void;
  typing_indicator: (p: { conversation_id: string; user_id: string; username: string; is_typing: boolean; meta?: EventMeta }) => void;
  thinking_of_you_received: (p: { from: UserCard; at: string; meta?: EventMeta }) => void;
  user_profile_update: (p: { user: UserCard; meta?: EventMeta }) => void;
  chat_mode_changed: (p: { conversation_id: string; mode: ChatMode; changed_by: string; meta?: EventMeta }) => void;
  read_receipt: (p: { conversation_id: string; user_id: string; seq: number; at: string; meta?: EventMeta }) => void;
  partner_request: (p: { request: PartnerRequest; meta?: EventMeta }) => void;
  partner_linked: (p: { partner: UserCard; chat_id: string | null; meta?: EventMeta }) => void;
  /** Durable, to both former partners on /couples: the partnership ended (POST /api/partners/break-up, or a block); their chat is read-only from now on. */
  partner_unlinked: (p: { partner_id: string; chat_id: string | null; ended_by: string; meta?: EventMeta }) => void;
  group_updated: (p: { group: GroupSummary; meta?: EventMeta }) => void;
  group_member_removed: (p: { group_id: string; user_id: string; meta?: EventMeta }) => void;
  group_deleted: (p: { group_id: string; meta?: EventMeta }) => void;
  /** A group's owner or an admin (or an operator resolving a report) banned a user: to the members and the banned user. A member banned also gets group_member_removed. */
  group_member_banned: (p: { group_id: string; user_id: string; meta?: EventMeta }) => void;
  /** The ban was lifted: the user may join (public group) or be added again. To the members and the user. */
  group_member_unbanned: (p: { group_id: string; user_id: string; meta?: EventMeta }) => void;
  /** A member may not post in the group until `until`; null: they may again. To the group's members (the muted one included). */
  group_member_muted: (p: { group_id: string; user_id: string; until: string | null; meta?: EventMeta }) => void;
  /** Durable, on /groups to the group's owner and admins: a message of the group was reported (the report itself: GET /api/groups/:id/reports). */
  group_report_filed: (p: { group_id: string; report_id: string; reason: string; message_id: string; sender_id: string; meta?: EventMeta }) => void;
  /** Ephemeral, to every device of one user: a conversation's unread count, mention flag or mute changed. */
  unread_update: (p: UnreadUpdate) => void;
  /** Sent on every connect so that even an idle client has a recovery offset (see docs/DELIVERY.md). */
  session: (p: { user_id: string; recovered: boolean; epoch: string; last_event_seq: number }) => void;
  /** Right before the server disconnects the socket for good: log in again (revoked) or refresh and reconnect (expired). */
  session_ended: (p: { reason: "session_revoked" | "token_expired" }) => void;
  error: (p: AckError) => void;
}

export type ServerEventName = keyof ServerEvents;
export type ServerEventPayload<E extends ServerEventName> = Parameters<ServerEvents[E]>[0];

/** What the server keeps on each socket (`socket.data`), set by the handshake. */
export interface SocketData {
  userId: string;
  sessionId: string;
  username: string;
  /** When the handshake's (or the last `auth` event's) access token expires, in ms since the epoch. */
  tokenExpiresAt: number;
}
