// The message routes every conversation kind shares (latest, history, post, edit, delete,
// reactions, by id, by timestamp, read position, mute). Each kind mounts them with its own
// paths and policy, so groups, DMs and couple chats cannot drift apart.
import type { MessageService } from "../messaging/message.service.ts";
import type { ConversationPolicy } from "../messaging/conversation-policy.ts";
import type { ReadStateService } from "../messaging/read-state.service.ts";
import {
  EditMessageBody,
  MarkReadBody,
  MessageIdParam,
  messageList,
  MessageSchema,
  MessageTimestampParam,
  pageQueries,
  ReactionBody,
  ReactionResult,
  ReadResult,
  SendMessageBody,
} from "../messaging/message.schemas.ts";
import { MuteBody, MuteState } from "../messaging/unread.schemas.ts";
import { MUTED_FOREVER } from "../messaging/unread.ts";
import { AppError } from "../shared/errors.ts";
import { z } from "../shared/zod.ts";
import type { ErrorStatus } from "./error-responses.ts";
import { defineRoute, type RouteKit } from "./route.ts";
import { randomUUID } from "node:crypto";

export interface MessageRoutePaths {
  latest: string;
  history: string;
  post: string;
  item: string;
  reactions: string;
  byId: string;
  byTs?: string;
  read: string;
  /** PUT and DELETE: the caller's mute. Registered before `item`, which may have the same shape (/:id/:messageId). */
  mute: string;
}

export interface MessageRouteOptions {
  tag: string;
  param: string; // the route parameter naming the conversation
  idSchema: z.ZodType<string>;
  paths: MessageRoutePaths;
  policy: ConversationPolicy;
  messages: MessageService;
  readStates: ReadStateService;
  /** HISTORY_MAX_PAGE: the most messages one page returns (the document states it). */
  maxPage: number;
  /** Why this kind answers 403 on reading and posting, when it does (couple chats answer 404 to outsiders). */
  forbidden?: string;
  /** Why this kind refuses a member's writes (post, edit, react) where it does: a closed couple chat, a DM across a block. */
  writeRefused?: Partial<Record<ErrorStatus, string>>;
}

/** Error descriptions of two sources for one route: a status both give says both. */
function mergeErrors(...all: (Partial<Record<ErrorStatus, string>> | undefined)[]): Partial<Record<ErrorStatus, string>> {
  const out: Partial<Record<ErrorStatus, string>> = {};
  for (const errors of all) {
    for (const [code, why] of Object.entries(errors ?? {})) {
      const status = Number(code) as ErrorStatus;
      out[status] = out[status] ? `${out[status]}; or ${why}` : why;
    }
  }
  return out;
}

export function mountMessageRoutes(r: RouteKit, o: MessageRouteOptions) {
  const conv = z.object({ [o.param]: o.idSchema });
  const withMessage = z.object({ [o.param]: o.idSchema, messageId: MessageIdParam });
  // Every route names its conversation by the same path parameter, resolved under this kind's policy.
  const conversation = { policy: o.policy, param: o.param };
  const read = { access: "read" } as const;
  const readAsActor = { access: "read", actor: true } as const;
  // Edits and reactions are seen by the others: refused where this kind closes writing (couple.policy.ts, dm.policy.ts).
  const writeAsActor = { access: "write", actor: true } as const;
  const tag = o.tag;
  const { LatestQuery, HistoryQuery } = pageQueries(o.maxPage);
  const MessageList = messageList(o.maxPage);
  const outsider = o.forbidden ? { 403: o.forbidden } : {};
  const either = (why: string) => ({ 403: [o.forbidden, why].filter(Boolean).join("; or ") });
  const deleted = "The message is deleted";

  // Before the item routes: where `item` is /:conversation/:messageId, "mute" would be taken for a message id.
  defineRoute(
    r,
    {
      method: "put",
      path: o.paths.mute,
      summary: "Mute the conversation for the caller, until a time or for good (its messages still count as unread)",
      tag,
      auth: true,
      params: conv,
      body: MuteBody,
      response: MuteState,
      errors: { ...outsider, 400: "Invalid input, or an `until` that is not in the future", 404: "No such conversation, or the caller is not in it (a DM exists from its first message)" },
      steps: read,
      conversation,
    },
    async ({ body, caller, ref }) => o.readStates.mute(ref, caller.userId, muteEnd(body)),
  );
  defineRoute(
    r,
    { method: "delete", path: o.paths.mute, summary: "Unmute the conversation for the caller (unmuting twice is harmless)", tag, auth: true, params: conv, response: MuteState, errors: { ...outsider, 404: "No such conversation, or the caller is not in it" }, steps: read, conversation },
    async ({ caller, ref }) => o.readStates.mute(ref, caller.userId, null),
  );

  defineRoute(r, { method: "get", path: o.paths.latest, summary: "The latest N messages (read model), oldest first", tag, auth: true, params: conv, query: LatestQuery, response: MessageList, errors: outsider, steps: read, conversation },
    async ({ query, ref }) => ({ messages: await o.messages.latest(ref, query.count) }));

  defineRoute(r, { method: "get", path: o.paths.history, summary: "A page of history: limit with at most one of before_timestamp, before_seq or after_seq; ascending by seq", tag, auth: true, params: conv, query: HistoryQuery, response: MessageList, errors: outsider, steps: read, conversation },
    async ({ query, ref }) => ({ messages: await o.messages.history(ref, query) }));

  defineRoute(
    r,
    {
      method: "post",
      path: o.paths.post,
      summary: "Send a message (idempotent on client_message_id)",
      tag,
      auth: true,
      params: conv,
      body: SendMessageBody,
      response: MessageSchema,
      status: 201,
      description: "The message was stored (or, in an incognito couple chat, delivered without being stored)",
      alsoStatus: { status: 200, description: "A retry: this client_message_id was already used in this conversation; the stored message" },
      errors: mergeErrors(outsider, { 409: "The client_message_id was already used in another conversation" }, o.writeRefused),
      steps: { access: "post", actor: true },
      conversation,
    },
    async ({ body, ref, actor, res }) => {
      const { message, duplicate } = await o.messages.send(ref, actor, { ...body, client_message_id: body.client_message_id ?? randomUUID() });
      if (duplicate) res.status(200);
      return message;
    },
  );

  defineRoute(r, { method: "put", path: o.paths.item, summary: "Edit a message's text (sender only; previous text kept in edits)", tag, auth: true, params: withMessage, body: EditMessageBody, response: MessageSchema, errors: mergeErrors(either("the caller is not the sender"), { 409: deleted }, o.writeRefused), steps: writeAsActor, conversation },
    async ({ params, body, ref, actor }) => o.messages.edit(ref, actor, params.messageId as string, body.text));

  defineRoute(r, { method: "delete", path: o.paths.item, summary: "Delete a message (leaves a tombstone that keeps its seq); deleting twice is harmless", tag, auth: true, params: withMessage, response: MessageSchema, errors: either("the caller may not delete it (the sender may; in a group, its owner and admins too)"), steps: readAsActor, conversation },
    async ({ params, ref, actor }) => o.messages.remove(ref, actor, params.messageId as string));

  defineRoute(r, { method: "post", path: o.paths.reactions, summary: "Toggle the caller's reaction (one emoji per user)", tag, auth: true, params: withMessage, body: ReactionBody, response: ReactionResult, errors: mergeErrors(outsider, { 409: deleted }, o.writeRefused), steps: writeAsActor, conversation },
    async ({ params, body, ref, actor }) => o.messages.toggleReaction(ref, actor, params.messageId as string, body.emoji));

  defineRoute(r, { method: "get", path: o.paths.byId, summary: "One message by id", tag, auth: true, params: withMessage, response: MessageSchema, errors: outsider, steps: read, conversation },
    async ({ params, ref }) => o.messages.byId(ref, params.messageId as string));

  if (o.paths.byTs) {
    defineRoute(r, { method: "get", path: o.paths.byTs, summary: "The message created at exactly this ISO timestamp", tag, auth: true, params: conv.extend({ timestamp: MessageTimestampParam }), response: MessageSchema, errors: outsider, steps: read, conversation },
      async ({ params, ref }) => o.messages.byTimestamp(ref, params.timestamp as string));
  }

  defineRoute(r, { method: "post", path: o.paths.read, summary: "Store the caller's read position and send a read receipt", tag, auth: true, params: conv, body: MarkReadBody, response: ReadResult, errors: { ...outsider, 400: "Invalid input, or a seq beyond the newest message" }, steps: read, conversation },
    async ({ body, caller, ref }) => o.readStates.markRead(ref, caller.userId, body.seq));
}

/** When a mute body ends: for good is a fixed far date; a time must be ahead (a past one is most likely a client's clock or zone). */
function muteEnd(body: MuteBody): Date {
  if ("forever" in body) return MUTED_FOREVER;
  const until = new Date(body.until);
  if (Number.isNaN(until.getTime())) throw new AppError("validation_error", "until: must be an ISO 8601 date-time");
  if (until.getTime() <= Date.now()) throw new AppError("validation_error", "until: must be in the future");
  return until > MUTED_FOREVER ? MUTED_FOREVER : until;
}
