// Kuchlu routes: partner requests (/api/partners) and the couple chat (/api/chats).
import { Router } from "express";
import type { CoupleService } from "../couples/couple.service.ts";
import { ChatIdParams, CoupleChatId, CreateChatBody, PartnerRequestBody, RequestIdParams, RespondBody } from "../couples/couple.schemas.ts";
import { z } from "../shared/zod.ts";
import { defineRoute, type RouteKit } from "./route.ts";
import { mountMessageRoutes, type MessageRouteOptions } from "./conversation-messages.routes.ts";

const Chat = z
  .object({
    id: z.string(),
    type: z.literal("couple"),
    members: z.array(z.object({ id: z.string(), username: z.string(), display_name: z.string() }).passthrough()),
    mode: z.enum(["normal", "fight", "incognito"]),
    last_seq: z.number(),
    read_seq: z.number(),
    unread_count: z.number(),
    read_positions: z.record(z.string(), z.number()).openapi({ description: "user id → that member's read seq" }),
    last_message_at: z.string().nullable(),
    created_at: z.string(),
  })
  .openapi("Chat");

export function partnersRouter(kit: Omit<RouteKit, "router">, couples: CoupleService): Router {
  const r: RouteKit = { ...kit, router: Router() };
  const tag = "partners";
  defineRoute(r, { method: "post", path: "/request", summary: "Ask another user to be your partner", tag, auth: true, body: PartnerRequestBody, status: 201 },
    ({ caller, body }) => couples.request(caller.userId, body.recipient_id));
  defineRoute(r, { method: "get", path: "/requests", summary: "Pending partner requests, incoming and outgoing", tag, auth: true },
    ({ caller }) => couples.listRequests(caller.userId));
  defineRoute(r, { method: "post", path: "/requests/:id/respond", summary: "Accept or reject an incoming request (accept links both users)", tag, auth: true, params: RequestIdParams, body: RespondBody, status: 204 },
    ({ caller, params, body }) => couples.respond(caller.userId, params.id, body.action));
  return r.router;
}

export function chatsRouter(kit: Omit<RouteKit, "router">, couples: CoupleService, messages: Omit<MessageRouteOptions, "tag" | "param" | "idSchema" | "paths">): Router {
  const r: RouteKit = { ...kit, router: Router() };
  const tag = "chats";
  defineRoute(r, { method: "post", path: "/", summary: "The couple's chat with your partner (created on first call); 403 if not your partner", tag, auth: true, body: CreateChatBody, response: Chat },
    ({ caller, body }) => couples.openChat(caller.userId, body.recipient_id));
  defineRoute(r, { method: "get", path: "/", summary: "The caller's couple chat, if any", tag, auth: true },
    async ({ caller }) => ({ chats: [await couples.myChat(caller.userId)].filter(Boolean) }));
  defineRoute(r, { method: "get", path: "/:id", summary: "One couple chat (members only)", tag, auth: true, params: ChatIdParams, response: Chat },
    async ({ caller, params }) => {
      const ref = await messages.policy.resolve(params.id, caller.userId, "read");
      return couples.describeChat(ref.key, caller.userId);
    });
  mountMessageRoutes(r, {
    ...messages,
    tag,
    param: "id",
    idSchema: CoupleChatId,
    paths: {
      history: "/:id/messages",
      latest: "/:id/messages/latest",
      post: "/:id/messages",
      item: "/:id/messages/:messageId",
      reactions: "/:id/messages/:messageId/reactions",
      byId: "/:id/messages/:messageId",
      byTs: "/:id/messages/by-ts/:timestamp",
      read: "/:id/read",
    },
  });
  return r.router;
}
