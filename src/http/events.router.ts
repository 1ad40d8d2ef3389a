// GET /api/events/sync: the catch-up path for a client that was away longer than
// connection-state recovery covers (see docs/DELIVERY.md).
import { Router } from "express";
import type { EventLog } from "../events/event-log.service.ts";
import { syncPage, syncQuery } from "../events/event.schemas.ts";
import { createConversationKeys } from "../messaging/conversation-keys.ts";
import type { ConversationRepository } from "../messaging/conversation.repository.ts";
import type { Metrics } from "../infra/metrics.ts";
import { AppError } from "../shared/errors.ts";
import { defineRoute, type RouteKit } from "./route.ts";

export function eventsRouter(kit: Omit<RouteKit, "router">, d: { eventLog: EventLog; conversations: ConversationRepository; metrics: Metrics; maxPage: number }): Router {
  const r: RouteKit = { ...kit, router: Router() };
  // A node's death sends thousands of syncs at once: their membership reads are shared.
  const memberKeys = createConversationKeys(d.conversations);
  defineRoute(
    r,
    {
      method: "get",
      path: "/sync",
      summary: "The caller's events after `since`, in order, paged",
      tag: "events",
      auth: true,
      query: syncQuery(d.maxPage),
      response: syncPage(d.maxPage),
      errors: { 410: "`epoch` is not the stream's epoch, or events after `since` were pruned" },
    },
    async ({ caller, query }) => {
      try {
        const keys = await memberKeys.of(caller.userId);
        const page = await d.eventLog.sync(caller.userId, keys, query.since, query.epoch, query.limit);
        d.metrics.syncRequests.inc({ outcome: "ok" });
        return page;
      } catch (err) {
        d.metrics.syncRequests.inc({ outcome: err instanceof AppError ? err.code : "error" });
        throw err;
      }
    },
  );
  return r.router;
}
