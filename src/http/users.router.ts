import { Router } from "express";
import { clientKey, type Throttles } from "../auth/rate-limiter.ts";
import { LookupQuery, UpdateProfileBody, UserPublic, UserSelf } from "../users/user.schemas.ts";
import type { UserService } from "../users/user.service.ts";
import { defineRoute, type RouteKit } from "./route.ts";
import { UserMe } from "../safety/block.schemas.ts";
import { cardFor } from "../safety/block-check.ts";
import type { BlockService } from "../safety/block.service.ts";
import type { Operators } from "../moderation/operators.ts";

export function usersRouter(kit: Omit<RouteKit, "router">, users: UserService, throttles: Pick<Throttles, "lookupByUser" | "lookupByIp">, blocks: Pick<BlockService, "blockedIds" | "between" | "assertNotBlocked" | "related">, operators: Pick<Operators, "is">): Router {
  const r: RouteKit = { ...kit, router: Router() };
  const tag = "users";

  // With whom the caller blocked (issue 15): their clients hide those users' messages in shared
  // groups; and whether they are an operator, so a client shows the moderation queue to them only.
  defineRoute(r, { method: "get", path: "/me", summary: "The caller's own user, the users they blocked, and whether they are an operator", tag, auth: true, response: UserMe },
    async ({ caller }) => ({ ...(await users.me(caller.userId)), blocked_user_ids: await blocks.blockedIds(caller.userId), is_operator: operators.is(caller.userId) }));

  defineRoute(r, { method: "put", path: "/me/profile", summary: "Update display name, mood, email or bubble colour; tells the partner", tag, auth: true, body: UpdateProfileBody, response: UserSelf },
    ({ caller, body }) => users.updateProfile(caller.userId, body));

  // Throttled per user and per IP, so that phone numbers cannot be enumerated.
  defineRoute(
    r,
    {
      method: "get",
      path: "/lookup",
      summary: "Find a user by phone or username",
      description: "The user's public card; across a block (either of the two blocked the other) without the mood",
      tag,
      auth: true,
      query: LookupQuery,
      response: UserPublic,
      errors: { 400: "Invalid input, or not exactly one of phone and username", 404: "No user has this phone or username", 429: "Too many lookups by this user or from this address (LOOKUP_MAX_PER_MIN, LOOKUP_MAX_PER_MIN_PER_IP)" },
    },
    async ({ query, caller, req }) => {
      await throttles.lookupByUser.consume(caller.userId);
      await throttles.lookupByIp.consume(clientKey(req.ip ?? "unknown"));
      return cardFor(blocks, caller.userId, await users.lookup(query));
    },
  );

  return r.router;
}
