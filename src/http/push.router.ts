// /api/push: the caller's devices for push notifications (docs/PUSH.md). A subscription
// belongs to the login (session) that registered it; registering the same device again is
// an upsert (200) that moves it to this login.
import { Router } from "express";
import type { Push } from "../push/create-push.ts";
import { PushSubscriptionList, PushSubscriptionSchema, SubscriptionIdParams, subscriptionBody, VapidPublicKey } from "../push/push.schemas.ts";
import { AppError } from "../shared/errors.ts";
import { defineRoute, type RouteKit } from "./route.ts";

export function pushRouter(kit: Omit<RouteKit, "router">, push: Pick<Push, "subscriptions" | "vapidPublicKey">, opts: { allowPrivateEndpoints: boolean; maxPerUser: number }): Router {
  const r: RouteKit = { ...kit, router: Router() };
  const tag = "push";
  const subs = push.subscriptions;

  defineRoute(r, { method: "get", path: "/vapid-public-key", summary: "The server's VAPID public key: the applicationServerKey for PushManager.subscribe", tag, auth: false, response: VapidPublicKey, errors: { 503: "The key pair could not be read (in a cluster it is shared through Redis)" } },
    async () => {
      try {
        return { public_key: await push.vapidPublicKey() };
      } catch (err) {
        // Redis (where a cluster keeps the pair) not answering: the client may retry; the cause stays attached.
        throw Object.assign(new AppError("service_unavailable", "The VAPID key is not available right now; retry shortly"), { cause: err });
      }
    });

  defineRoute(
    r,
    {
      method: "post",
      path: "/subscriptions",
      summary: `Register this device for pushes (Web Push subscription or FCM token), bound to this login; at most ${opts.maxPerUser} per user, the least recently registered replaced`,
      tag,
      auth: true,
      body: subscriptionBody(opts.allowPrivateEndpoints),
      response: PushSubscriptionSchema,
      status: 201,
      description: "Registered",
      alsoStatus: { status: 200, description: "This device (same endpoint or token) was registered already: updated, and bound to this login" },
      errors: { 400: "Invalid input: an endpoint that is not an https URL on a DNS name, malformed keys or token, an unknown type or field" },
    },
    async ({ caller, body, res }) => {
      const { subscription, created } = await subs.register(caller, body);
      if (!created) res.status(200);
      return subscription;
    },
  );

  defineRoute(r, { method: "get", path: "/subscriptions", summary: "The caller's push subscriptions (every device, every login)", tag, auth: true, response: PushSubscriptionList },
    async ({ caller }) => ({ subscriptions: await subs.list(caller) }));

  defineRoute(r, { method: "delete", path: "/subscriptions/:id", summary: "Unregister one of the caller's devices", tag, auth: true, params: SubscriptionIdParams, status: 204, errors: { 404: "No subscription of the caller has this id" } },
    async ({ caller, params }) => {
      await subs.remove(caller.userId, params.id);
    });

  return r.router;
}
