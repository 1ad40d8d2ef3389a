import { Router } from "express";
import { LookupQuery, UpdateProfileBody, UserPublic, UserSelf } from "../users/user.schemas.ts";
import type { UserService } from "../users/user.service.ts";
import { defineRoute, type RouteKit } from "./route.ts";

export function usersRouter(kit: Omit<RouteKit, "router">, users: UserService): Router {
  const r: RouteKit = { ...kit, router: Router() };
  const tag = "users";

  defineRoute(r, { method: "get", path: "/me", summary: "The caller's own user", tag, auth: true, response: UserSelf },
    ({ caller }) => users.me(caller.userId));

  defineRoute(r, { method: "put", path: "/me/profile", summary: "Update display name, mood, email or bubble colour; tells the partner", tag, auth: true, body: UpdateProfileBody, response: UserSelf },
    ({ caller, body }) => users.updateProfile(caller.userId, body));

  defineRoute(r, { method: "get", path: "/lookup", summary: "Find a user by phone or username", tag, auth: true, query: LookupQuery, response: UserPublic },
    ({ query }) => users.lookup(query));

  return r.router;
}
