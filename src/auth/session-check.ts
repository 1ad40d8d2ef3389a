// Is the session (refresh-token family) an access token names still live? Checked on every
// Socket.IO handshake, cached per session for SESSION_CHECK_TTL_MS and read in batches
// (see users/batched-ttl-cache.ts), so reconnects cost no session lookup in the common case.
//
// Staleness: a revocation (logout, refresh-token reuse) is applied at once (`revoked`) on
// this node and, via handshake-caches.ts, on the others; a node that misses that message
// refuses the session within SESSION_CHECK_TTL_MS (docs/DECISIONS.md). The access token's
// own expiry still applies on top.
import { createBatchedTtlCache } from "../users/batched-ttl-cache.ts";
import type { SessionRepository } from "./session.repository.ts";

export const SESSION_CHECK_TTL_MS = 30_000;

interface SessionFacts {
  userId: string;
  revoked: boolean;
}

export function createSessionCheck(d: { sessions: SessionRepository; ttlMs?: number; maxEntries?: number; now?: () => number }) {
  const cache = createBatchedTtlCache<SessionFacts>({
    ttlMs: d.ttlMs ?? SESSION_CHECK_TTL_MS,
    maxEntries: d.maxEntries ?? 200_000,
    maxBatch: 500,
    maxConcurrent: 2,
    now: d.now,
    async load(ids) {
      const rows = await d.sessions.sessions(ids);
      return new Map(rows.map((s) => [s.id, { userId: s.user_id, revoked: s.revoked_at != null }]));
    },
  });

  function live(facts: SessionFacts | null, userId: string) {
    // A pruned (expired) session is gone from the collection: not live either.
    return facts !== null && !facts.revoked && facts.userId === userId;
  }

  return {
    /** True if the session exists, belongs to `userId` and was not revoked. */
    isLive(sessionId: string, userId: string): boolean | Promise<boolean> {
      const facts = cache.get(sessionId);
      return facts instanceof Promise ? facts.then((f) => live(f, userId)) : live(facts, userId);
    },
    /** Call when this node revokes a session, so its handshakes are refused at once. */
    revoked(sessionId: string) {
      cache.set(sessionId, { userId: "", revoked: true });
    },
  };
}

export type SessionCheck = ReturnType<typeof createSessionCheck>;
