// TrueMatch DM routes (/api/dm/...): dmId is dm:<a>|<b>, lowercase usernames, sorted.
import { Router } from "express";
import type { DmService } from "../dms/dm.service.ts";
import { z } from "../shared/zod.ts";
import { defineRoute, type RouteKit } from "./route.ts";
import { mountMessageRoutes, type MessageRouteOptions } from "./conversation-messages.routes.ts";

const DmId = z.string().min(1).max(80);

export function dmRouter(kit: Omit<RouteKit, "router">, dms: DmService, messages: Omit<MessageRouteOptions, "tag" | "param" | "idSchema" | "paths">): Router {
  const r: RouteKit = { ...kit, router: Router() };
  defineRoute(r, { method: "get", path: "/threads", summary: "The caller's DM threads with the latest message and unread count", tag: "dm", auth: true },
    async ({ caller }) => ({ threads: await dms.threads(caller.userId) }));
  // The DM policy parses the id and names what is wrong with it; the route only bounds its size.
  mountMessageRoutes(r, {
    ...messages,
    tag: "dm",
    param: "dmId",
    idSchema: DmId,
    paths: {
      latest: "/:dmId/latest",
      history: "/:dmId/history",
      post: "/:dmId/message",
      item: "/:dmId/:messageId",
      reactions: "/:dmId/:messageId/reactions",
      byId: "/:dmId/by-id/:messageId",
      byTs: "/:dmId/by-ts/:timestamp",
      read: "/:dmId/read",
    },
  });
  return r.router;
}
