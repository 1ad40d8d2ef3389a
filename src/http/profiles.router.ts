import { Router } from "express";
import { ProfileSchema, UpdateProfileBody } from "../profiles/profile.schemas.ts";
import type { ProfileService } from "../profiles/profile.service.ts";
import { z } from "../shared/zod.ts";
import { ObjectIdString } from "../users/user.schemas.ts";
import { defineRoute, type RouteKit } from "./route.ts";

export function profilesRouter(kit: Omit<RouteKit, "router">, profiles: ProfileService): Router {
  const r: RouteKit = { ...kit, router: Router() };
  const tag = "profiles";
  defineRoute(r, { method: "get", path: "/me", summary: "The caller's dating profile and social links", tag, auth: true, response: ProfileSchema },
    ({ caller }) => profiles.get(caller.userId));
  defineRoute(r, { method: "put", path: "/me", summary: "Update the caller's profile (allow-listed fields, URLs validated)", tag, auth: true, body: UpdateProfileBody, response: ProfileSchema, errors: { 400: "Invalid input, or a birthdate that is not a real date 18 to 120 years ago" } },
    ({ caller, body }) => profiles.update(caller.userId, body));
  defineRoute(
    r,
    {
      method: "get",
      path: "/:userId",
      summary: "Another user's profile",
      description: "The profile; across a block (either of the two blocked the other) the empty profile: nothing beyond the public card",
      tag,
      auth: true,
      params: z.object({ userId: ObjectIdString }),
      response: ProfileSchema,
      errors: { 404: "No user has this id" },
    },
    ({ params, caller }) => profiles.get(params.userId, caller.userId),
  );
  return r.router;
}
