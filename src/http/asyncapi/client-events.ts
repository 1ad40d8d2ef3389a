// Every client → server event of the contract (src/contract/events.ts `ClientEvents`) as the
// AsyncAPI document describes it: the namespaces that take it, the zod schema its payload
// is validated with (the very one the handler passes to `on()`, handlers/), and what its
// ack carries on success. The ack results have no zod schema elsewhere (the handlers return
// typed objects), so they are written here and held to the contract's types.
//
// The table is typed `Record<ClientEventName, …>`: an event added to the contract without
// an entry here is a compile error. test/http/asyncapi.test.ts checks the namespaces
// against what the running server answers.
import type { AckResult, ClientEventName, ClientPayload } from "../../contract/events.ts";
import { SocketAuthEvent } from "../../auth/auth.schemas.ts";
import { ChangeModeEvent, ChatMode, ThinkingOfYouEvent } from "../../couples/couple.schemas.ts";
import type { NamespaceName } from "../../events/notifier.ts";
import {
  ChatIdEvent,
  DeleteMessageEvent,
  EditMessageEvent,
  MarkReadEvent,
  MessageSchema,
  ReactionResult,
  ReadResult,
  SendMessageEvent,
  ToggleReactionEvent,
} from "../../messaging/message.schemas.ts";
import { sameShape, SentTimestamp, z } from "../../shared/zod.ts";

const EVERY: readonly NamespaceName[] = ["couples", "groups", "dm"];
const COUPLES: readonly NamespaceName[] = ["couples"];

/** What each event's payload is validated with (handlers/message-events.ts, handlers/couples.ts, handlers/socket-pipeline.ts). */
const PAYLOADS = {
  send_message: SendMessageEvent,
  edit_message: EditMessageEvent,
  delete_message: DeleteMessageEvent,
  toggle_reaction: ToggleReactionEvent,
  start_typing: ChatIdEvent,
  stop_typing: ChatIdEvent,
  mark_read: MarkReadEvent,
  ping_thinking_of_you: ThinkingOfYouEvent,
  change_chat_mode: ChangeModeEvent,
  HEARTBEAT: z.unknown(),
  auth: SocketAuthEvent,
} satisfies Record<ClientEventName, z.ZodType>;

const Nothing = z.strictObject({});
/** What `{ok: true, …}` carries besides `ok`, per event. */
const RESULTS = {
  send_message: z.strictObject({
    message: MessageSchema,
    duplicate: z.boolean().openapi({ description: "true: this client_message_id was stored before; `message` is that message, nothing was sent again" }),
  }),
  edit_message: z.strictObject({ message: MessageSchema }),
  delete_message: z.strictObject({ message: MessageSchema }),
  toggle_reaction: ReactionResult,
  start_typing: Nothing,
  stop_typing: Nothing,
  mark_read: ReadResult,
  ping_thinking_of_you: Nothing,
  change_chat_mode: z.strictObject({ chat_id: z.string(), mode: ChatMode }),
  HEARTBEAT: z.strictObject({ ts: SentTimestamp }),
  auth: z.strictObject({ expires_at: SentTimestamp.openapi({ description: "When the socket's new access token expires" }) }),
} satisfies Record<ClientEventName, z.ZodObject>;

// The payload schemas accept exactly the contract's payloads (both ways), and each result is the contract's ack.
type Inputs = { [E in ClientEventName]: z.input<(typeof PAYLOADS)[E]> };
type Payloads = { [E in ClientEventName]: ClientPayload<E> };
sameShape<Inputs, Payloads>();
sameShape<Payloads, Inputs>();
sameShape<{ [E in ClientEventName]: z.output<(typeof RESULTS)[E]> }, { [E in ClientEventName]: AckResult<E> }>();

export interface ClientEventDoc {
  namespaces: readonly NamespaceName[];
  summary: string;
  payload: z.ZodType;
  /** The ack's `ok: true` side; the `ok: false` side is the same error for every event. */
  result: z.ZodObject;
  /** The client may leave the callback out (the event is then fire-and-forget). */
  ackOptional: boolean;
}

function event(e: ClientEventName, namespaces: readonly NamespaceName[], summary: string, ackOptional = false): ClientEventDoc {
  return { namespaces, summary, payload: PAYLOADS[e], result: RESULTS[e], ackOptional };
}

export const CLIENT_EVENTS: Record<ClientEventName, ClientEventDoc> = {
  send_message: event("send_message", EVERY, "Post a message. Idempotent on client_message_id: resend with the same one until acked"),
  edit_message: event("edit_message", EVERY, "Edit one's own message's text"),
  delete_message: event("delete_message", EVERY, "Delete a message (one's own; in a group, an admin may delete any)"),
  toggle_reaction: event("toggle_reaction", EVERY, "React with an emoji, change one's reaction, or remove it (the same emoji again)"),
  start_typing: event("start_typing", EVERY, "Show the others that the user is typing (ends by itself after TYPING_TIMEOUT_MS)", true),
  stop_typing: event("stop_typing", EVERY, "The user stopped typing", true),
  mark_read: event("mark_read", EVERY, "Move the user's read position forward to `seq` (it never moves back)"),
  ping_thinking_of_you: event("ping_thinking_of_you", COUPLES, "Send the partner a thinking-of-you"),
  change_chat_mode: event("change_chat_mode", COUPLES, "Change the couple chat's mode (normal, fight, incognito)"),
  HEARTBEAT: event("HEARTBEAT", EVERY, "Keep-alive: answered with the server's time; any payload", true),
  auth: event("auth", EVERY, "Hand the socket a fresh access token of the same session before its current one expires"),
};
