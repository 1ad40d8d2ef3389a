// Every server → client event of the contract (src/contract/events.ts `ServerEvents`) as the
// AsyncAPI document describes it: the namespaces it is sent on, what it is for, and its
// payload schema. Durable payloads are the event log's own (src/events/event.schemas.ts
// PAYLOADS, also what GET /api/events/sync returns); the ephemeral ones have no other zod
// schema, so they are written here and held to the contract's types at compile time.
//
// The table is typed `Record<ServerEventName, …>`: an event added to the contract without
// an entry here is a compile error, so the document cannot fall behind.
import type { EventMeta, ServerEventName, ServerEventPayload } from "../../contract/events.ts";
import { Meta, PAYLOADS } from "../../events/event.schemas.ts";
import type { NamespaceName } from "../../events/notifier.ts";
import { unreadStateFields } from "../../messaging/unread.schemas.ts";
import { sameShape, SentTimestamp, z } from "../../shared/zod.ts";

const EVERY: readonly NamespaceName[] = ["couples", "groups", "dm"];
const COUPLES: readonly NamespaceName[] = ["couples"];
const GROUPS: readonly NamespaceName[] = ["groups"];

/** Set on a durable event: its place in the user's event stream (docs/DELIVERY.md). */
export const EventMetaSchema = Meta.openapi({
  description: "The event's place in the user's durable event stream: keep the last event_seq (and its epoch) to resume with GET /api/events/sync after a gap",
});

// Ephemeral events: sent once to whoever is connected, never written to the event log.
const EPHEMERAL = {
  message_ack: z.strictObject({
    client_message_id: z.string(),
    message_id: z.string(),
    conversation_id: z.string(),
    seq: z.number().int().min(1).nullable(),
    duplicate: z.boolean(),
  }),
  user_presence_update: z.strictObject({
    user_id: z.string(),
    status: z.enum(["online", "offline"]),
    last_seen: SentTimestamp.nullable(),
    mood: z.string().nullable(),
  }),
  typing_indicator: z.strictObject({ conversation_id: z.string(), user_id: z.string(), username: z.string(), is_typing: z.boolean() }),
  unread_update: z.strictObject({
    conversation_id: z.string(),
    conversation_type: z.enum(["couple", "group", "dm"]),
    ...unreadStateFields,
    total_unread: z.number().int().min(0),
  }),
  session: z.strictObject({
    user_id: z.string(),
    recovered: z.boolean().openapi({ description: "Whether connection-state recovery replayed what the socket missed" }),
    epoch: z.string(),
    last_event_seq: z.number().int().min(0),
  }),
  session_ended: z.strictObject({ reason: z.enum(["session_revoked", "token_expired"]) }),
  error: z.strictObject({ code: z.string(), message: z.string() }),
};
// What each durable event carries live: the logged payload plus its `meta` (absent when the
// service sent it without logging it, as an incognito message).
const withMeta = (schema: z.ZodObject) => schema.extend({ meta: EventMetaSchema.optional() });

type Ephemeral = keyof typeof EPHEMERAL;
// An ephemeral payload, or a durable event that is missing from both tables, is a compile error here.
sameShape<{ [E in Ephemeral]: z.output<(typeof EPHEMERAL)[E]> }, { [E in Ephemeral]: ServerEventPayload<E> }>();
sameShape<ServerEventName, Ephemeral | keyof typeof PAYLOADS>();
sameShape<z.output<typeof EventMetaSchema>, EventMeta>();

export interface ServerEventDoc {
  namespaces: readonly NamespaceName[];
  summary: string;
  payload: z.ZodType;
  /** Written to the user's event log first, so it carries `meta` and can be caught up with. */
  durable: boolean;
}

const durable = (e: keyof typeof PAYLOADS, namespaces: readonly NamespaceName[], summary: string): ServerEventDoc => ({ namespaces, summary, payload: withMeta(PAYLOADS[e]), durable: true });
const ephemeral = (e: Ephemeral, namespaces: readonly NamespaceName[], summary: string): ServerEventDoc => ({ namespaces, summary, payload: EPHEMERAL[e], durable: false });

export const SERVER_EVENTS: Record<ServerEventName, ServerEventDoc> = {
  new_message: durable("new_message", EVERY, "A message was posted in one of the user's conversations (the sender's own devices too)"),
  message_updated: durable("message_updated", EVERY, "A message was edited"),
  message_deleted: durable("message_deleted", EVERY, "A message was deleted: the message is now a tombstone"),
  message_reaction_update: durable("message_reaction_update", EVERY, "A reaction was added, changed or removed: the message's reactions and their summary now"),
  message_ack: ephemeral("message_ack", EVERY, "To every device of the sender: a send_message was stored (or was a duplicate of a stored one)"),
  user_presence_update: ephemeral("user_presence_update", COUPLES, "The partner came online or went offline (also sent on connect with the partner's status)"),
  typing_indicator: ephemeral("typing_indicator", EVERY, "Someone else in the conversation started or stopped typing (stopped by the server after TYPING_TIMEOUT_MS)"),
  thinking_of_you_received: durable("thinking_of_you_received", COUPLES, "The partner sent a thinking-of-you"),
  user_profile_update: durable("user_profile_update", COUPLES, "The partner changed their profile"),
  chat_mode_changed: durable("chat_mode_changed", COUPLES, "The couple chat's mode changed (normal, fight, incognito)"),
  read_receipt: durable("read_receipt", EVERY, "A member's read position moved forward"),
  partner_request: durable("partner_request", COUPLES, "A partner request arrived, or one the user sent was answered"),
  partner_linked: durable("partner_linked", COUPLES, "A partner request was accepted: the two are partners, with their couple chat"),
  partner_unlinked: durable("partner_unlinked", COUPLES, "The partnership ended (break-up or block); the couple chat is read-only from now on"),
  group_updated: durable("group_updated", GROUPS, "A group the user is in changed (name, members, roles)"),
  group_member_removed: durable("group_member_removed", GROUPS, "A member left or was removed (the removed member is told too)"),
  group_deleted: durable("group_deleted", GROUPS, "A group the user was in was deleted"),
  group_member_banned: durable("group_member_banned", GROUPS, "A user was banned from the group (to the members and the banned user)"),
  group_member_unbanned: durable("group_member_unbanned", GROUPS, "A ban was lifted"),
  group_member_muted: durable("group_member_muted", GROUPS, "A member may not post until `until` (null: may again)"),
  group_report_filed: durable("group_report_filed", GROUPS, "To the group's owner and admins: a message of the group was reported (details: GET /api/groups/{groupId}/reports)"),
  unread_update: ephemeral("unread_update", EVERY, "To every device of one user: a conversation's unread count, mention flag or mute changed"),
  session: ephemeral("session", EVERY, "On every connect: where the user's event stream stands, so even an idle client has an offset to recover from"),
  session_ended: ephemeral("session_ended", EVERY, "Right before the server disconnects the socket for good: log in again (revoked) or refresh and reconnect (expired)"),
  error: ephemeral("error", EVERY, "A socket that keeps flooding is told so, then disconnected"),
};
