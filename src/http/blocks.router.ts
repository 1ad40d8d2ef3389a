// Blocking (/api/blocks): block a user (idempotent), unblock, and the list of one's blocks.
// What a block does elsewhere (DMs, partner requests, presence, typing, profiles, pushes) is
// in src/safety/block.service.ts and docs/DECISIONS.md.
import { Router } from "express";
import { BlockBody, BlockedUserParams, BlockList, BlockSchema } from "../safety/block.schemas.ts";
import type { BlockService } from "../safety/block.service.ts";
import { MAX_BLOCKS } from "../safety/block.service.ts";
import { defineRoute, type RouteKit } from "./route.ts";

export function blocksRouter(kit: Omit<RouteKit, "router">, blocks: BlockService): Router {
  const r: RouteKit = { ...kit, router: Router() };
  const tag = "blocks";
  defineRoute(
    r,
    {
      method: "post",
      path: "/",
      summary: "Block a user: no DM or partner request between you either way, no presence, typing, mood or profile across, no pushes; blocking your partner breaks up",
      tag,
      auth: true,
      body: BlockBody,
      response: BlockSchema,
      status: 201,
      description: "The user is blocked from now on",
      alsoStatus: { status: 200, description: "The user was blocked already (blocking is idempotent); the block as it stands" },
      errors: { 400: "Invalid input, or the caller's own id", 404: "No user has this user_id", 409: `The caller has blocked ${MAX_BLOCKS} users already` },
    },
    async ({ caller, body, res }) => {
      const { created, block } = await blocks.block(caller.userId, body.user_id);
      if (!created) res.status(200);
      return block;
    },
  );
  defineRoute(
    r,
    { method: "delete", path: "/:userId", summary: "Unblock a user (unblocking one who is not blocked is harmless)", tag, auth: true, params: BlockedUserParams, status: 204 },
    async ({ caller, params }) => {
      await blocks.unblock(caller.userId, params.userId);
    },
  );
  defineRoute(r, { method: "get", path: "/", summary: "The users the caller blocked, newest first", tag, auth: true, response: BlockList },
    ({ caller }) => blocks.list(caller.userId));
  return r.router;
}
