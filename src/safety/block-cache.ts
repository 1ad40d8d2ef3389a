// Each user's blocks in both directions, cached per user and read in batches like the user
// facts (src/users/batched-ttl-cache.ts): the checks sit on hot paths (every DM post, every
// typing indicator, every push), and most users have no block at all, which is cached too.
//
// A change is forgotten at once on the node that made it and, over the cluster bus
// (src/infra/cluster-bus.ts, as src/auth/handshake-caches.ts does), on the others; a node
// that misses the message is right again within BLOCKS_TTL_MS.
import type { ClusterBus } from "../infra/cluster-bus.ts";
import { createBatchedTtlCache } from "../users/batched-ttl-cache.ts";
import type { BlockRepository } from "./block.repository.ts";

export const BLOCKS_TTL_MS = 30_000;
const EVENT = "block_cache_invalidate";

export interface BlockRelations {
  /** Whom the user blocked. */
  blocked: ReadonlySet<string>;
  /** Who blocked the user. */
  blockedBy: ReadonlySet<string>;
}

const NONE: BlockRelations = { blocked: new Set(), blockedBy: new Set() };
const isIdList = (v: unknown): v is string[] => Array.isArray(v) && v.length <= 10_000 && v.every((x) => typeof x === "string");

export function createBlockCache(d: { blocks: BlockRepository; bus?: ClusterBus | undefined; ttlMs?: number; now?: () => number }) {
  const cache = createBatchedTtlCache<BlockRelations>({
    ttlMs: d.ttlMs ?? BLOCKS_TTL_MS,
    maxEntries: 200_000,
    maxBatch: 500,
    maxConcurrent: 2,
    now: d.now,
    async load(ids) {
      const rows = await d.blocks.involving(ids);
      const out = new Map(ids.map((id) => [id, { blocked: new Set<string>(), blockedBy: new Set<string>() }]));
      for (const r of rows) {
        out.get(r.blocker_id)?.blocked.add(r.blocked_id);
        out.get(r.blocked_id)?.blockedBy.add(r.blocker_id);
      }
      return out;
    },
  });

  d.bus?.subscribe(EVENT, (m) => {
    const users = (m as { users?: unknown } | null)?.users;
    if (isIdList(users)) cache.forget(users);
  });

  return {
    async of(userId: string): Promise<BlockRelations> {
      return (await cache.get(userId)) ?? NONE;
    },
    /** After a block between these users was made or lifted: forgotten here at once, and on the other nodes. */
    changed(userIds: string[]) {
      cache.forget(userIds);
      void d.bus?.publish(EVENT, { users: userIds });
    },
  };
}

export type BlockCache = ReturnType<typeof createBlockCache>;
