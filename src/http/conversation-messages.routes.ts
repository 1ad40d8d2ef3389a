// The message routes every conversation kind shares (latest, history, post, edit, delete,
// reactions, by id, by timestamp, read position). Each kind mounts them with its own
// paths and policy, so groups, DMs and couple chats cannot drift apart.
import type { Actor, MessageService } from "../messaging/message.service.ts";
import type { ConversationPolicy } from "../messaging/conversation-policy.ts";
import type { ReadStateService } from "../messaging/read-state.service.ts";
import { EditMessageBody, HistoryQuery, LatestQuery, MessageIdParam, MessageList, MessageSchema, ReactionBody, SendMessageBody } from "../messaging/message.schemas.ts";
import { z } from "../shared/zod.ts";
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
}

export interface MessageRouteOptions {
  tag: string;
  param: string; // the route parameter naming the conversation
  idSchema: z.ZodType<string>;
  paths: MessageRoutePaths;
  policy: ConversationPolicy;
  messages: MessageService;
  readStates: ReadStateService;
  actorOf(userId: string): Promise<Actor>;
}

const ReactionResult = z.object({ message_id: z.string(), reactions: z.record(z.string(), z.unknown()), summary: z.record(z.string(), z.number()) }).openapi("ReactionResult");

export function mountMessageRoutes(r: RouteKit, o: MessageRouteOptions) {
  const conv = z.object({ [o.param]: o.idSchema });
  const withMessage = z.object({ [o.param]: o.idSchema, messageId: MessageIdParam });
  const idOf = (params: Record<string, string>) => params[o.param]!;
  const resolve = (params: Record<string, string>, userId: string, access: "read" | "post" = "read") => o.policy.resolve(idOf(params), userId, access);
  const tag = o.tag;

  defineRoute(r, { method: "get", path: o.paths.latest, summary: "The latest N messages (read model), oldest first", tag, auth: true, params: conv, query: LatestQuery, response: MessageList },
    async ({ params, query, caller }) => ({ messages: await o.messages.latest(await resolve(params, caller.userId), query.count) }));

  defineRoute(r, { method: "get", path: o.paths.history, summary: "A page of history: limit with before_timestamp, before_seq or after_seq", tag, auth: true, params: conv, query: HistoryQuery, response: MessageList },
    async ({ params, query, caller }) => ({ messages: await o.messages.history(await resolve(params, caller.userId), query) }));

  defineRoute(r, { method: "post", path: o.paths.post, summary: "Send a message (idempotent on client_message_id)", tag, auth: true, params: conv, body: SendMessageBody, response: MessageSchema, status: 201 },
    async ({ params, body, caller, res }) => {
      const ref = await resolve(params, caller.userId, "post");
      const { message, duplicate } = await o.messages.send(ref, await o.actorOf(caller.userId), { ...body, client_message_id: body.client_message_id ?? randomUUID() });
      if (duplicate) res.status(200);
      return message;
    });

  defineRoute(r, { method: "put", path: o.paths.item, summary: "Edit a message's text (sender only; previous text kept in edits)", tag, auth: true, params: withMessage, body: EditMessageBody, response: MessageSchema },
    async ({ params, body, caller }) => o.messages.edit(await resolve(params, caller.userId), await o.actorOf(caller.userId), params.messageId as string, body.text));

  defineRoute(r, { method: "delete", path: o.paths.item, summary: "Delete a message (leaves a tombstone that keeps its seq)", tag, auth: true, params: withMessage, response: MessageSchema },
    async ({ params, caller }) => o.messages.remove(await resolve(params, caller.userId), await o.actorOf(caller.userId), params.messageId as string));

  defineRoute(r, { method: "post", path: o.paths.reactions, summary: "Toggle the caller's reaction (one emoji per user)", tag, auth: true, params: withMessage, body: ReactionBody, response: ReactionResult },
    async ({ params, body, caller }) => o.messages.toggleReaction(await resolve(params, caller.userId), await o.actorOf(caller.userId), params.messageId as string, body.emoji));

  defineRoute(r, { method: "get", path: o.paths.byId, summary: "One message by id", tag, auth: true, params: withMessage, response: MessageSchema },
    async ({ params, caller }) => o.messages.byId(await resolve(params, caller.userId), params.messageId as string));

  if (o.paths.byTs) {
    defineRoute(r, { method: "get", path: o.paths.byTs, summary: "The message created at exactly this ISO timestamp", tag, auth: true, params: conv.extend({ timestamp: z.string().min(1).max(40) }), response: MessageSchema },
      async ({ params, caller }) => o.messages.byTimestamp(await resolve(params, caller.userId), params.timestamp as string));
  }

  defineRoute(r, { method: "post", path: o.paths.read, summary: "Store the caller's read position and send a read receipt", tag, auth: true, params: conv, body: z.strictObject({ seq: z.number().int().min(0) }) },
    async ({ params, body, caller }) => o.readStates.markRead(await resolve(params, caller.userId), caller.userId, body.seq));
}

