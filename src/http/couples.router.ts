// Kuchlu routes: partner requests and break-up (/api/partners) and the couple chats (/api/chats).
import { Router } from "express";
import type { CoupleService } from "../couples/couple.service.ts";
import { BreakUpResult, ChatIdParams, ChatList, ChatSchema, CoupleChatId, CreateChatBody, PartnerRequestBody, PartnerRequestList, PartnerRequestSchema, RequestIdParams, RespondBody } from "../couples/couple.schemas.ts";
import { defineRoute, type RouteKit } from "./route.ts";
import { mountMessageRoutes, type MessageRouteOptions } from "./conversation-messages.routes.ts";

export function partnersRouter(kit: Omit<RouteKit, "router">, couples: CoupleService): Router {
  const r: RouteKit = { ...kit, router: Router() };
  const tag = "partners";
  defineRoute(
    r,
    {
      method: "post",
      path: "/request",
      summary: "Ask another user to be your partner",
      tag,
      auth: true,
      body: PartnerRequestBody,
      response: PartnerRequestSchema,
      status: 201,
      errors: {
        400: "Invalid input; or yourself, someone already in a partnership, or a pair with a pending request",
        403: "blocked: one of the two blocked the other",
        404: "No user has this recipient_id",
      },
    },
    ({ caller, body }) => couples.request(caller.userId, body.recipient_id),
  );
  defineRoute(
    r,
    {
      method: "post",
      path: "/break-up",
      summary: "End the caller's partnership (either partner may): both are told (partner_unlinked), their chat becomes read-only history, and each may send partner requests again",
      tag,
      auth: true,
      response: BreakUpResult,
      errors: { 409: "The caller is not in a partnership" },
    },
    ({ caller }) => couples.breakUp(caller.userId),
  );
  defineRoute(r, { method: "get", path: "/requests", summary: "Pending partner requests, incoming and outgoing", tag, auth: true, response: PartnerRequestList },
    ({ caller }) => couples.listRequests(caller.userId));
  defineRoute(
    r,
    {
      method: "post",
      path: "/requests/:id/respond",
      summary: "Accept or reject an incoming request (accept links both users)",
      tag,
      auth: true,
      params: RequestIdParams,
      body: RespondBody,
      status: 204,
      errors: {
        400: "Invalid input; or the request was already answered, or one of you is already in a partnership",
        403: "blocked: accepting across a block (a block cancels the requests between the two)",
        404: "No pending request to the caller has this id",
      },
    },
    ({ caller, params, body }) => couples.respond(caller.userId, params.id, body.action),
  );
  return r.router;
}

export function chatsRouter(kit: Omit<RouteKit, "router">, couples: CoupleService, messages: Omit<MessageRouteOptions, "tag" | "param" | "idSchema" | "paths">): Router {
  const r: RouteKit = { ...kit, router: Router() };
  const tag = "chats";
  defineRoute(r, { method: "post", path: "/", summary: "The couple's chat with your partner (created on first call)", tag, auth: true, body: CreateChatBody, response: ChatSchema, errors: { 403: "recipient_id is not the caller's partner" } },
    ({ caller, body }) => couples.openChat(caller.userId, body.recipient_id));
  defineRoute(r, { method: "get", path: "/", summary: "The caller's couple chats: the open one first, then past ones (read-only after a break-up)", tag, auth: true, response: ChatList },
    ({ caller }) => couples.listChats(caller.userId));
  defineRoute(r, { method: "get", path: "/:id", summary: "One couple chat (members only; others get 404)", tag, auth: true, params: ChatIdParams, response: ChatSchema, steps: { access: "read" }, conversation: { policy: messages.policy, param: "id" } },
    ({ caller, ref }) => couples.describeChat(ref.key, caller.userId));
  mountMessageRoutes(r, {
    ...messages,
    tag,
    param: "id",
    idSchema: CoupleChatId,
    writeRefused: { 409: "chat_closed: the partners broke up, the chat is read-only history" },
    paths: {
      history: "/:id/messages",
      latest: "/:id/messages/latest",
      post: "/:id/messages",
      item: "/:id/messages/:messageId",
      reactions: "/:id/messages/:messageId/reactions",
      byId: "/:id/messages/:messageId",
      byTs: "/:id/messages/by-ts/:timestamp",
      read: "/:id/read",
      mute: "/:id/mute",
    },
  });
  return r.router;
}
