// The two caches the Socket.IO handshake reads (user facts, session check), and how a
// change reaches them: at once on the node that made it, and over the cluster bus
// (src/infra/cluster-bus.ts) on the other nodes, without waiting for them. A node that
// misses the message (cut off from Redis: pub/sub does not replay) still drops the entry
// when its TTL ends, so the TTL stays the bound.
import type { ClusterBus } from "../infra/cluster-bus.ts";
import type { UserRepository } from "../users/user.repository.ts";
import { createUserFacts } from "../users/user-facts.ts";
import { createSessionCheck, type SessionCheck } from "./session-check.ts";
import type { SessionRepository } from "./session.repository.ts";

const EVENT = "handshake_cache_invalidate";

interface Invalidation {
  users: string[];
  sessions: string[];
}

const isIdList = (v: unknown): v is string[] => Array.isArray(v) && v.length <= 10_000 && v.every((x) => typeof x === "string");

/**
 * `bus`: to the other nodes (none on a single node). `onSessionUsed`: told of each session an
 * access token was accepted for (REST and handshakes), for its "last used" (session-activity.ts).
 */
export function createHandshakeCaches(d: { users: UserRepository; sessions: SessionRepository; bus?: ClusterBus | undefined; onSessionUsed?: (sessionId: string) => void }) {
  const userFacts = createUserFacts({ users: d.users });
  const sessionCheck = withUse(createSessionCheck({ sessions: d.sessions }), d.onSessionUsed);
  const bus = d.bus;

  function apply(m: Invalidation) {
    userFacts.forget(m.users);
    for (const sid of m.sessions) sessionCheck.revoked(sid);
  }

  function publish(m: Invalidation) {
    apply(m);
    void bus?.publish(EVENT, m);
  }

  bus?.subscribe(EVENT, (m) => {
    const v = m as Partial<Invalidation> | null;
    if (isIdList(v?.users) && isIdList(v?.sessions)) apply({ users: v.users, sessions: v.sessions });
  });

  return {
    userFacts,
    sessionCheck,
    /** After a user's username, partner or mood changed (or the user was deleted). */
    usersChanged(userIds: string[]) {
      publish({ users: userIds, sessions: [] });
    },
    /** After a session was revoked: its handshakes are refused from now on, on every node. */
    sessionRevoked(sessionId: string) {
      publish({ users: [], sessions: [sessionId] });
    },
  };
}

/** The check, telling `onUsed` of every session it finds live (the answer itself unchanged). */
function withUse(check: SessionCheck, onUsed: ((sessionId: string) => void) | undefined): SessionCheck {
  if (!onUsed) return check;
  const seen = (sessionId: string, live: boolean) => {
    if (live) onUsed(sessionId);
    return live;
  };
  return {
    ...check,
    isLive(sessionId, userId) {
      const live = check.isLive(sessionId, userId);
      return live instanceof Promise ? live.then((l) => seen(sessionId, l)) : seen(sessionId, live);
    },
  };
}
