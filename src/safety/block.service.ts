// Blocking: a user walls another off. The wall stands both ways (docs/DECISIONS.md,
// "Blocking and breaking up"): across it no DM is started or continued, no partner request
// is sent, presence, typing, mood and the dating profile do not pass, and nothing is pushed.
// Groups the two share go on: messages are stored and delivered to everyone, and the
// blocker's clients hide the blocked user's (GET /api/users/me: blocked_user_ids).
import type { ClusterBus } from "../infra/cluster-bus.ts";
import { AppError, badRequest, notFound } from "../shared/errors.ts";
import { toUserPublic, type UserPublicDto } from "../users/user.dto.ts";
import type { UserRepository } from "../users/user.repository.ts";
import { createBlockCache } from "./block-cache.ts";
import { blockedError, type BlockCheck } from "./block-check.ts";
import type { BlockRepository } from "./block.repository.ts";

/** How many users one user may have blocked: bounds GET /api/blocks and the cached set. */
export const MAX_BLOCKS = 1000;

export interface BlockDeps {
  blocks: BlockRepository;
  users: Pick<UserRepository, "byId" | "byIds">;
  bus?: ClusterBus | undefined;
  /**
   * After a block was stored (also on a repeated block, so a retry finishes what a crash
   * interrupted): ends what the two had going (src/couples: a pending partner request, the
   * partnership). A hook, so that this service does not depend on couples.
   */
  onBlocked?: (blockerId: string, blockedId: string) => Promise<void>;
}

/** A blocked user as the blocker's list shows them: the card without the mood (nothing live crosses a block). */
const listed = (u: Parameters<typeof toUserPublic>[0]): UserPublicDto => ({ ...toUserPublic(u), mood: null });

export function createBlockService(d: BlockDeps) {
  const cache = createBlockCache({ blocks: d.blocks, bus: d.bus });

  async function between(a: string, b: string): Promise<boolean> {
    if (a === b) return false;
    const r = await cache.of(a);
    return r.blocked.has(b) || r.blockedBy.has(b);
  }

  /** An uncached answer, for refusals: a cached "blocked" may be an unblock on another node not heard of yet. */
  async function confirmed(a: string, b: string): Promise<boolean> {
    const rows = await d.blocks.involving([a]);
    return rows.some((r) => (r.blocker_id === a && r.blocked_id === b) || (r.blocker_id === b && r.blocked_id === a));
  }

  const check: BlockCheck = {
    between,
    async assertNotBlocked(a, b) {
      if ((await between(a, b)) && (await confirmed(a, b))) throw blockedError();
    },
    async related(userId) {
      const r = await cache.of(userId);
      return [...new Set([...r.blocked, ...r.blockedBy])];
    },
  };

  return {
    ...check,

    /** Forgets the cached relations of these users on every node (an account deletion removed their blocks in storage). */
    changed(userIds: string[]) {
      cache.changed(userIds);
    },

    /** Blocks `userId` (idempotent: `created` false when it was blocked already). */
    async block(blockerId: string, userId: string): Promise<{ created: boolean; block: { user: UserPublicDto; created_at: string } }> {
      if (blockerId === userId) throw badRequest("user_id: you cannot block yourself");
      const target = await d.users.byId(userId);
      if (!target) throw notFound("User");
      const mine = (await cache.of(blockerId)).blocked;
      if (!mine.has(userId) && mine.size >= MAX_BLOCKS) throw new AppError("conflict", `You have blocked ${MAX_BLOCKS} users, the most there can be; unblock someone first`);
      const at = new Date();
      const created = await d.blocks.add({ blocker_id: blockerId, blocked_id: userId, created_at: at });
      cache.changed([blockerId, userId]);
      await d.onBlocked?.(blockerId, userId);
      const stored = created ? at : ((await d.blocks.byBlocker(blockerId)).find((r) => r.blocked_id === userId)?.created_at ?? at);
      return { created, block: { user: listed(target), created_at: stored.toISOString() } };
    },

    /** Lifts the block; lifting one that does not exist is harmless (false). */
    async unblock(blockerId: string, userId: string): Promise<boolean> {
      const removed = await d.blocks.remove(blockerId, userId);
      cache.changed([blockerId, userId]);
      return removed;
    },

    /** The users the caller blocked, newest first (a user that no longer exists is left out). */
    async list(blockerId: string) {
      const rows = await d.blocks.byBlocker(blockerId);
      const users = new Map((await d.users.byIds(rows.map((r) => r.blocked_id))).map((u) => [u.id, u]));
      return { blocks: rows.flatMap((r) => (users.has(r.blocked_id) ? [{ user: listed(users.get(r.blocked_id)!), created_at: r.created_at.toISOString() }] : [])) };
    },

    /** The ids the caller blocked, newest first: GET /api/users/me, so that clients hide their messages in shared groups. Read, not cached: exact. */
    async blockedIds(userId: string): Promise<string[]> {
      return (await d.blocks.byBlocker(userId)).map((r) => r.blocked_id);
    },
  };
}

export type BlockService = ReturnType<typeof createBlockService>;
