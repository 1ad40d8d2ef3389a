// @ts-check
// Shared JSDoc types. The wire types come straight from the server's typed event map
// (src/contract/), so a renamed field breaks `npm run typecheck` here too.

/** @typedef {import("../src/contract/models.ts").Message} Message */
/** @typedef {import("../src/contract/models.ts").UserCard} UserCard */
/** @typedef {import("../src/contract/models.ts").Reaction} Reaction */
/** @typedef {import("../src/contract/models.ts").ChatMode} ChatMode */
/** @typedef {import("../src/contract/events.ts").EventMeta} EventMeta */
/** @typedef {import("../src/contract/models.ts").GroupSummary} GroupSummary */
/** @typedef {import("../src/contract/models.ts").PartnerRequest} PartnerRequest */
/** @typedef {import("../src/contract/events.ts").ServerEvents} ServerEvents */
/** @typedef {import("../src/contract/events.ts").ClientEvents} ClientEvents */
/** @typedef {import("../src/contract/events.ts").ServerEventName} ServerEventName */
/** @typedef {import("../src/contract/models.ts").UnreadUpdate} UnreadUpdate */
/** @typedef {import("../src/contract/models.ts").UnreadState} UnreadState */
/** One conversation's unread state as the client keeps it. @typedef {Pick<UnreadState, "unread_count" | "mentioned" | "muted_until">} UnreadEntry */
/** What a push carries (docs/PUSH.md, "The payload"); web/sw.js shows it. @typedef {import("../src/contract/models.ts").PushPayload} PushPayload */

/** Socket.IO namespaces, one per conversation kind. @typedef {"couples" | "groups" | "dm"} Namespace */
/** @typedef {"couple" | "group" | "dm"} ConversationType */

/**
 * The signed-in user as GET /api/users/me returns it.
 * @typedef {UserCard & { phone: string, email: string | null, partner_id: string | null, blocked_user_ids?: string[], is_operator?: boolean }} Me
 */

/**
 * A send the server refused for good (the SDK dropped it from its outbox): shown with Retry and Discard.
 * @typedef {{ client_message_id: string, payload: import("./sdk.js").OutboxEntry["payload"], error: string }} FailedSend
 */

/**
 * One conversation as the app knows it: the SDK's view (messages, pending sends, unread,
 * typing, presence, member count, loading state) and what only the app keeps.
 * @typedef {{
 *   key: string,
 *   ns: Namespace,
 *   type: ConversationType,
 *   id: string,
 *   title: string,
 *   view: import("./sdk.js").ConversationView,
 *   mode: ChatMode | null,
 *   readBy: Map<string, number>,
 *   myReadSeq: number,
 *   partner: UserCard | null,
 *   closed?: boolean,
 *   failed: Map<string, FailedSend>,
 * }} Conversation
 * `closed`: a couple chat after a break-up, read-only history (the server refuses sends with chat_closed).
 */

export {};
