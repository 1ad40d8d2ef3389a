// The few facts about a user that every connect needs: that the user exists (the
// handshake), its username (socket.data), its partner and mood (presence). Cached per user
// for USER_FACTS_TTL_MS and read in batches (see batched-ttl-cache.ts), so connects and
// reconnect storms cost no user lookup in the common case.
//
// Staleness: a change made through the services (profile update, partner link) is
// forgotten at once on this node and, via src/auth/handshake-caches.ts, on the others; a
// node that misses that message, or a user deleted in the database directly, is right again
// within USER_FACTS_TTL_MS (docs/DECISIONS.md). An account deleted through the API stays as a
// tombstone row suspended for good (src/account), so the suspension check refuses it.
import { createBatchedTtlCache } from "./batched-ttl-cache.ts";
import { isDeletedAccount } from "./deleted-user.ts";
import type { UserRepository } from "./user.repository.ts";

export const USER_FACTS_TTL_MS = 30_000;
const OBJECT_ID = /^[0-9a-f]{24}$/i;

export interface UserFacts {
  username: string;
  partnerId: string | null;
  mood: string | null;
  /** Until when (ms) an operator suspended the account; null: not suspended. The handshake refuses it meanwhile. */
  suspendedUntil?: number | null;
  /**
   * When the account was deleted (ms, its tombstone row's last write); null: not deleted. Set
   * from the moment a deletion starts, so readers redact its messages before the background
   * job reaches them (src/messaging/deleted-senders.ts).
   */
  deletedAt?: number | null;
}

export function createUserFacts(d: { users: UserRepository; ttlMs?: number; maxEntries?: number; now?: () => number }) {
  const cache = createBatchedTtlCache<UserFacts>({
    ttlMs: d.ttlMs ?? USER_FACTS_TTL_MS,
    maxEntries: d.maxEntries ?? 200_000,
    maxBatch: 500,
    maxConcurrent: 2,
    now: d.now,
    async load(ids) {
      // A malformed id names no user; it is not worth a lookup.
      const valid = ids.filter((id) => OBJECT_ID.test(id));
      if (!valid.length) return new Map();
      const rows = await d.users.byIds(valid);
      return new Map(rows.map((u) => [u.id, { username: u.username, partnerId: u.partner_id, mood: u.mood, suspendedUntil: u.suspended_until?.getTime() ?? null, deletedAt: isDeletedAccount(u) ? u.updated_at.getTime() : null }]));
    },
  });
  return {
    /** The user's facts, or null if no such user (or not a valid id). */
    get(userId: string): UserFacts | null | Promise<UserFacts | null> {
      return cache.get(userId);
    },
    /** Call after changing a user's username, partner, mood or suspension, or deleting it. */
    forget(userIds: Iterable<string>) {
      cache.forget(userIds);
    },
  };
}

export type UserFactsCache = ReturnType<typeof createUserFacts>;
