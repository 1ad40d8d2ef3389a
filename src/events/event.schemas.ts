// GET /api/events/sync: the query and the page, for validation and the OpenAPI document.
// Each event's `data` is the payload its realtime event carried (src/contract/events.ts) plus
// its `meta`; the union below lists every event that is written to the log (ephemeral ones,
// typing and presence, never are). A compile-time check keeps it in step with the contract.
import { ChatSchema, PartnerRequestSchema } from "../couples/couple.schemas.ts";
import { GroupSchema } from "../groups/group.schemas.ts";
import { MessageSchema, ReactionSummary, Reactions } from "../messaging/message.schemas.ts";
import { chars, queryInt, sameShape, SentTimestamp, z } from "../shared/zod.ts";
import { UserPublic } from "../users/user.schemas.ts";
import type { EventData } from "./notifier.ts";

/** How many events a client may ask for; the server returns at most HISTORY_MAX_PAGE. */
const SYNC_REQUEST_MAX = 1000;

export function syncQuery(maxPage: number) {
  return z.strictObject({
    since: queryInt({ min: 0, description: "The last event_seq the client holds (the page starts after it)" }).default(0),
    epoch: chars(1, 64).optional().openapi({ description: "The epoch the client's positions belong to; another epoch is a 410" }),
    limit: queryInt({
      min: 1,
      max: SYNC_REQUEST_MAX,
      description: `Page size: up to ${SYNC_REQUEST_MAX} may be asked for; at most ${maxPage} (this server's HISTORY_MAX_PAGE) are returned, a larger value is read as ${maxPage}`,
    }).default(100),
  });
}

const Mode = ChatSchema.shape.mode;

/** Each durable event's payload, as the service that changed the data sends it (also documented in /api/asyncapi.json). */
export const PAYLOADS = {
  new_message: z.strictObject({ message: MessageSchema }),
  message_updated: z.strictObject({ message: MessageSchema }),
  message_deleted: z.strictObject({ message: MessageSchema }),
  message_reaction_update: z.strictObject({ conversation_id: z.string(), message_id: z.string(), reactions: Reactions, summary: ReactionSummary }),
  read_receipt: z.strictObject({ conversation_id: z.string(), user_id: z.string(), seq: z.number().int().min(0), at: SentTimestamp }),
  chat_mode_changed: z.strictObject({ conversation_id: z.string(), mode: Mode, changed_by: z.string() }),
  thinking_of_you_received: z.strictObject({ from: UserPublic, at: SentTimestamp }),
  user_profile_update: z.strictObject({ user: UserPublic }),
  partner_request: z.strictObject({ request: PartnerRequestSchema }),
  partner_linked: z.strictObject({ partner: UserPublic, chat_id: z.string().nullable() }),
  partner_unlinked: z.strictObject({ partner_id: z.string(), chat_id: z.string().nullable(), ended_by: z.string() }),
  group_updated: z.strictObject({ group: GroupSchema }),
  group_member_removed: z.strictObject({ group_id: z.string(), user_id: z.string() }),
  group_deleted: z.strictObject({ group_id: z.string() }),
  group_member_banned: z.strictObject({ group_id: z.string(), user_id: z.string() }),
  group_member_unbanned: z.strictObject({ group_id: z.string(), user_id: z.string() }),
  group_member_muted: z.strictObject({ group_id: z.string(), user_id: z.string(), until: SentTimestamp.nullable() }),
  group_report_filed: z.strictObject({ group_id: z.string(), report_id: z.string(), reason: z.string(), message_id: z.string(), sender_id: z.string() }),
};
type Durable = keyof typeof PAYLOADS;
sameShape<{ [E in Durable]: z.output<(typeof PAYLOADS)[E]> }, { [E in Durable]: EventData<E> }>();

export const Meta = z.strictObject({ event_seq: z.number().int().min(1), epoch: z.string() });

const SyncEvent = z.discriminatedUnion(
  "type",
  (Object.keys(PAYLOADS) as Durable[]).map((type) =>
    z
      .strictObject({
        event_seq: z.number().int().min(1),
        type: z.literal(type),
        namespace: z.enum(["couples", "groups", "dm"]),
        data: PAYLOADS[type].extend({ meta: Meta }),
        created_at: SentTimestamp,
      })
      .openapi(`SyncEvent_${type}`),
  ) as unknown as [z.ZodObject, ...z.ZodObject[]],
);

const pages = new Map<number, z.ZodType>();
/** A page of the caller's events, at most HISTORY_MAX_PAGE long. */
export function syncPage(maxPage: number): z.ZodType {
  let page = pages.get(maxPage);
  if (!page) {
    page = z
      .strictObject({
        epoch: z.string(),
        events: z.array(SyncEvent).max(maxPage),
        next: z.number().int().min(0).openapi({ description: "The `since` of the next call (it may pass other users' events)" }),
        has_more: z.boolean(),
      })
      .openapi("SyncPage");
    pages.set(maxPage, page);
  }
  return page;
}
