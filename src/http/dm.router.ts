// TrueMatch DM routes (/api/dm/...): dm_id is dm:<a>|<b>, lowercase usernames, sorted.
import { Router } from "express";
import type { DmService } from "../dms/dm.service.ts";
import { DmId, DmThreadList } from "../dms/dm.schemas.ts";
import { defineRoute, type RouteKit } from "./route.ts";
import { mountMessageRoutes, type MessageRouteOptions } from "./conversation-messages.routes.ts";

export function dmRouter(kit: Omit<RouteKit, "router">, dms: DmService, messages: Omit<MessageRouteOptions, "tag" | "param" | "idSchema" | "paths">): Router {
  const r: RouteKit = { ...kit, router: Router() };
  defineRoute(r, { method: "get", path: "/threads", summary: "The caller's DM threads with the latest message and unread count", tag: "dm", auth: true, response: DmThreadList },
    ({ caller }) => dms.threads(caller.userId));
  // The route checks the id's shape; the DM policy that the names are different and sorted,
  // that the caller is one of them (403) and that the other exists (404).
  mountMessageRoutes(r, {
    ...messages,
    tag: "dm",
    param: "dm_id",
    idSchema: DmId,
    forbidden: "A DM between two other users",
    writeRefused: { 403: "blocked: one of the two blocked the other (the history stays readable)" },
    paths: {
      latest: "/:dm_id/latest",
      history: "/:dm_id/history",
      post: "/:dm_id/message",
      item: "/:dm_id/:messageId",
      reactions: "/:dm_id/:messageId/reactions",
      byId: "/:dm_id/by-id/:messageId",
      byTs: "/:dm_id/by-ts/:timestamp",
      read: "/:dm_id/read",
      mute: "/:dm_id/mute",
    },
  });
  return r.router;
}
