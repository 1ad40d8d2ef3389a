// GET /api/events/sync: the catch-up path for a client that was away longer than
// connection-state recovery covers (see docs/DELIVERY.md).
import { Router } from "express";
import type { EventLog } from "../events/event-log.service.ts";
import type { ConversationRepository } from "../messaging/conversation.repository.ts";
import type { Metrics } from "../infra/metrics.ts";
import { AppError } from "../shared/errors.ts";
import { z } from "../shared/zod.ts";
import { defineRoute, type RouteKit } from "./route.ts";

const SyncQuery = z.object({
  since: z.coerce.number().int().min(0).default(0),
  epoch: z.string().min(1).max(64).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

const SyncPage = z
  .object({
    epoch: z.string(),
    events: z.array(z.object({ event_seq: z.number(), type: z.string(), namespace: z.string(), data: z.record(z.string(), z.unknown()), created_at: z.string() })),
    next: z.number(),
    has_more: z.boolean(),
  })
  .openapi("SyncPage");

export function eventsRouter(kit: Omit<RouteKit, "router">, d: { eventLog: EventLog; conversations: ConversationRepository; metrics: Metrics }): Router {
  const r: RouteKit = { ...kit, router: Router() };
  defineRoute(
    r,
    { method: "get", path: "/sync", summary: "The caller's events after `since`, in order, paged; 410 resync_required when they are gone", tag: "events", auth: true, query: SyncQuery, response: SyncPage },
    async ({ caller, query }) => {
      try {
        const keys = await d.conversations.keysOf(caller.userId);
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
