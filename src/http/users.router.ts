import { Router } from "express";
import { clientKey, type Throttles } from "../auth/rate-limiter.ts";
import { LookupQuery, UpdateProfileBody, UserPublic, UserSelf } from "../users/user.schemas.ts";
import type { UserService } from "../users/user.service.ts";
import { defineRoute, type RouteKit } from "./route.ts";

export function usersRouter(kit: Omit<RouteKit, "router">, users: UserService, throttles: Pick<Throttles, "lookupByUser" | "lookupByIp">): Router {
  const r: RouteKit = { ...kit, router: Router() };
  const tag = "users";

  defineRoute(r, { method: "get", path: "/me", summary: "The caller's own user", tag, auth: true, response: UserSelf },
    ({ caller }) => users.me(caller.userId));

  defineRoute(r, { method: "put", path: "/me/profile", summary: "Update display name, mood, email or bubble colour; tells the partner", tag, auth: true, body: UpdateProfileBody, response: UserSelf },
    ({ caller, body }) => users.updateProfile(caller.userId, body));

  // Throttled per user and per IP, so that phone numbers cannot be enumerated.
  defineRoute(
    r,
    {
      method: "get",
      path: "/lookup",
      summary: "Find a user by phone or username",
      tag,
      auth: true,
      query: LookupQuery,
      response: UserPublic,
      errors: { 400: "Invalid input, or not exactly one of phone and username", 404: "No user has this phone or username", 429: "Too many lookups by this user or from this address (LOOKUP_MAX_PER_MIN, LOOKUP_MAX_PER_MIN_PER_IP)" },
    },
    async ({ query, caller, req }) => {
      await throttles.lookupByUser.consume(caller.userId);
      await throttles.lookupByIp.consume(clientKey(req.ip ?? "unknown"));
      return users.lookup(query);
    },
  );

  return r.router;
}
