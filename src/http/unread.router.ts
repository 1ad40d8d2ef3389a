// GET /api/unread: the caller's unread messages, in total and per conversation (those with
// unread messages or an active mute), for a badge or a client that was away. Live changes
// come as `unread_update` on the sockets.
import { Router } from "express";
import type { ReadStateService } from "../messaging/read-state.service.ts";
import { UnreadSummary } from "../messaging/unread.schemas.ts";
import { defineRoute, type RouteKit } from "./route.ts";

export function unreadRouter(kit: Omit<RouteKit, "router">, readStates: Pick<ReadStateService, "summary">): Router {
  const r: RouteKit = { ...kit, router: Router() };
  defineRoute(
    r,
    {
      method: "get",
      path: "/",
      summary: "The caller's unread total, and each conversation with unread messages (count, mention flag) or an active mute",
      tag: "unread",
      auth: true,
      response: UnreadSummary,
    },
    ({ caller }) => readStates.summary(caller.userId),
  );
  return r.router;
}
