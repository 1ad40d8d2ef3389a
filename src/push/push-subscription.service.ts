// A user's devices for pushes: register (an upsert per device), list, remove; and the
// session rule: a subscription belongs to the login that registered it, and goes with it.
// At most PUSH_MAX_SUBSCRIPTIONS_PER_USER per user: registering one more replaces the
// oldest (browsers and app reinstalls leave stale subscriptions the user cannot see, which
// a 409 would make them unable to get rid of; a replaced one simply stops getting pushes).
import { notFound } from "../shared/errors.ts";
import { newId } from "../shared/ids.ts";
import type { PushMetrics } from "./push-metrics.ts";
import type { PushSubscriptionDto, SubscriptionBody } from "./push.schemas.ts";
import type { PushSubscriptionRecord, PushSubscriptionRepository } from "./push-subscription.repository.ts";

export interface PushSubscriptionServiceDeps {
  subscriptions: PushSubscriptionRepository;
  maxPerUser: number;
  metrics: PushMetrics;
}

export function toSubscriptionDto(s: PushSubscriptionRecord, currentSessionId: string): PushSubscriptionDto {
  return {
    id: s.id,
    type: s.type,
    ...(s.type === "webpush" ? { endpoint: s.address } : { token: s.address }),
    platform: (s.platform as PushSubscriptionDto["platform"]) ?? null,
    created_at: s.created_at.toISOString(),
    current_session: s.session_id === currentSessionId,
  };
}

export function createPushSubscriptionService(d: PushSubscriptionServiceDeps) {
  return {
    /** Stores the device for this login; `created` is false when the device was registered already (it is moved to this login). */
    async register(caller: { userId: string; sessionId: string }, body: SubscriptionBody): Promise<{ subscription: PushSubscriptionDto; created: boolean }> {
      const id = newId();
      const stored = await d.subscriptions.upsert({
        id,
        user_id: caller.userId,
        session_id: caller.sessionId,
        type: body.type,
        address: body.type === "webpush" ? body.endpoint : body.token,
        keys: body.type === "webpush" ? { p256dh: body.keys.p256dh, auth: body.keys.auth } : null,
        platform: body.type === "fcm" ? body.platform : null,
        created_at: new Date(),
      });
      const mine = await d.subscriptions.ofUser(caller.userId); // oldest first
      const excess = mine.filter((s) => s.id !== stored.id).slice(0, Math.max(0, mine.length - d.maxPerUser));
      for (const old of excess) if (await d.subscriptions.remove(old.id)) d.metrics.pruned("replaced");
      return { subscription: toSubscriptionDto(stored, caller.sessionId), created: stored.id === id };
    },

    async list(caller: { userId: string; sessionId: string }): Promise<PushSubscriptionDto[]> {
      return (await d.subscriptions.ofUser(caller.userId)).map((s) => toSubscriptionDto(s, caller.sessionId));
    },

    /** Another user's subscription is a 404, as one that does not exist. */
    async remove(userId: string, id: string): Promise<void> {
      const s = await d.subscriptions.byId(id);
      if (!s || s.user_id !== userId || !(await d.subscriptions.remove(id))) throw notFound("Push subscription");
    },

    /** A session ended (logout, refresh-token reuse): its devices stop getting this user's pushes. */
    async sessionEnded(sessionId: string): Promise<number> {
      const n = await d.subscriptions.removeOfSession(sessionId);
      if (n > 0) d.metrics.pruned("logout", n);
      return n;
    },
  };
}

export type PushSubscriptionService = ReturnType<typeof createPushSubscriptionService>;
