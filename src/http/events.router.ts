// GET /api/events/sync: the catch-up path for a client that was away longer than
// connection-state recovery covers (see docs/DELIVERY.md).
import { Router } from "express";
import type { EventLog } from "../events/event-log.service.ts";
import type { ConversationModel } from "../messaging/conversation.model.ts";
import type { Metrics } from "../infra/metrics.ts";
import { AppError } from "../shared/errors.ts";
import { createReadBatcher } from "../shared/read-batcher.ts";
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
    retry_after_ms: z.number().optional(),
  })
  .openapi("SyncPage");

export function eventsRouter(kit: Omit<RouteKit, "router">, d: { eventLog: EventLog; Conversation: ConversationModel; metrics: Metrics }): Router {
  const r: RouteKit = { ...kit, router: Router() };
  // Which conversations each caller is in, for many callers at once: after a node dies its
  // clients all sync together, and one query then answers a whole wave of them.
  const conversationsOf = createReadBatcher(async (userIds: string[]) => {
    const convs = await d.Conversation.find({ member_ids: { $in: userIds } }, { _id: 1, member_ids: 1 }).lean();
    const byUser = new Map<string, string[]>(userIds.map((u) => [u, []]));
    for (const c of convs) for (const u of c.member_ids) byUser.get(u)?.push(c._id);
    return byUser;
  });
  defineRoute(
    r,
    { method: "get", path: "/sync", summary: "The caller's events after `since`, in order, paged; 410 resync_required when they are gone", tag: "events", auth: true, query: SyncQuery, response: SyncPage },
    async ({ caller, query }) => {
      try {
        const keys = (await conversationsOf.get(caller.userId)) ?? [];
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
