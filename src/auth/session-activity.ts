// "Last used" of a session without a write per request: an authenticated request or socket
// handshake that finds the session live calls `used`, and this node writes last_used_at
// only when it has not done so for that session within the interval. Logins and refreshes
// write it themselves (with the device and address). So last_used_at is at most one
// interval (plus the nodes' disagreement) behind, which is all a session list needs.
// The writes of one round trip are one (touchSessions): after a node dies, every session
// moving to this node is a first use here at once (3000 single updates in the storm).
import { LRUCache } from "lru-cache";
import type { Logger } from "../infra/logger.ts";
import { createCoalescer } from "../shared/read-batcher.ts";
import type { SessionRepository } from "./session.repository.ts";

export const SESSION_TOUCH_INTERVAL_MS = 5 * 60_000;

export function createSessionActivity(d: { sessions: Pick<SessionRepository, "touchSessions">; log: Logger; intervalMs?: number; maxEntries?: number; now?: () => number }) {
  const interval = d.intervalMs ?? SESSION_TOUCH_INTERVAL_MS;
  const now = d.now ?? Date.now;
  // When this node last wrote each session's last_used_at. Bounded: a session pushed out
  // is written again at its next use, which is one write more, never a wrong value.
  const written = new LRUCache<string, number>({ max: d.maxEntries ?? 100_000 });
  // Each session at its own use time; the batch writes the latest (last_used_at only moves forward).
  const touch = createCoalescer(async (uses: { sessionId: string; at: number }[]) => {
    await d.sessions.touchSessions([...new Set(uses.map((u) => u.sessionId))], new Date(uses.reduce((m, u) => Math.max(m, u.at), 0)));
    return uses.map(() => undefined);
  });

  return {
    /** A request or handshake of a live session: written at most once per interval per node, off the request's path. */
    used(sessionId: string): void {
      const t = now();
      const last = written.get(sessionId);
      if (last !== undefined && t - last < interval) return;
      written.set(sessionId, t);
      touch({ sessionId, at: t }).catch((err: unknown) => {
        written.delete(sessionId); // the next use tries again
        d.log.warn({ err, session: sessionId }, "last use of a session not recorded");
      });
    },
    /** A login or refresh wrote it just now (with the device and address). */
    written(sessionId: string): void {
      written.set(sessionId, now());
    },
  };
}

export type SessionActivity = ReturnType<typeof createSessionActivity>;
