// Which sockets each user has open, across devices, namespaces and nodes. A user is
// online while at least one socket is registered anywhere. Two implementations:
// memory (one node) and Redis (a cluster), tested with the same suite.
//
// In Redis each socket is a member of a sorted set scored by an expiry that its node
// refreshes; a node that dies without cleaning up (SIGKILL) stops refreshing, so its
// sockets fall out after `ttlMs` instead of keeping a user online for ever.
import type { Redis } from "../infra/redis.ts";

export interface PresenceStore {
  /** Registers a socket; returns how many the user has now. */
  add(userId: string, socketId: string): Promise<number>;
  /** Unregisters a socket; returns how many the user has left. */
  remove(userId: string, socketId: string): Promise<number>;
  count(userId: string): Promise<number>;
  lastSeen(userId: string): Promise<string | null>;
  setLastSeen(userId: string, at: string): Promise<void>;
  /** Called periodically by each node for the sockets it holds. */
  refresh(entries: { userId: string; socketId: string }[]): Promise<void>;
}

export function memoryPresence(): PresenceStore {
  const sockets = new Map<string, Set<string>>();
  const seen = new Map<string, string>();
  return {
    async add(userId, socketId) {
      const set = sockets.get(userId) ?? new Set();
      set.add(socketId);
      sockets.set(userId, set);
      return set.size;
    },
    async remove(userId, socketId) {
      const set = sockets.get(userId);
      set?.delete(socketId);
      if (set && set.size === 0) sockets.delete(userId);
      return set?.size ?? 0;
    },
    async count(userId) {
      return sockets.get(userId)?.size ?? 0;
    },
    async lastSeen(userId) {
      return seen.get(userId) ?? null;
    },
    async setLastSeen(userId, at) {
      seen.set(userId, at);
    },
    async refresh() {},
  };
}

export function redisPresence(redis: Redis, ttlMs = 90_000): PresenceStore {
  const key = (userId: string) => `chat:presence:{${userId}}`;
  const seenKey = (userId: string) => `chat:last-seen:${userId}`;
  async function live(userId: string): Promise<number> {
    const now = Date.now();
    const res = await redis.multi().zremrangebyscore(key(userId), "-inf", now).zcard(key(userId)).exec();
    return Number(res?.[1]?.[1] ?? 0);
  }
  return {
    // Cleanup, change and count in one MULTI: concurrent connects of one user (a browser
    // opening three namespaces at once) see 1, 2, 3, so exactly one announces "online".
    async add(userId, socketId) {
      const now = Date.now();
      const res = await redis.multi().zremrangebyscore(key(userId), "-inf", now).zadd(key(userId), now + ttlMs, socketId).zcard(key(userId)).pexpire(key(userId), ttlMs * 2).exec();
      return Number(res?.[2]?.[1] ?? 0);
    },
    async remove(userId, socketId) {
      const res = await redis.multi().zremrangebyscore(key(userId), "-inf", Date.now()).zrem(key(userId), socketId).zcard(key(userId)).exec();
      return Number(res?.[2]?.[1] ?? 0);
    },
    count: live,
    async lastSeen(userId) {
      return redis.get(seenKey(userId));
    },
    async setLastSeen(userId, at) {
      await redis.set(seenKey(userId), at, "EX", 90 * 24 * 3600);
    },
    async refresh(entries) {
      if (!entries.length) return;
      const expiry = Date.now() + ttlMs;
      const m = redis.multi();
      for (const e of entries) m.zadd(key(e.userId), "XX", expiry, e.socketId).pexpire(key(e.userId), ttlMs * 2);
      await m.exec();
    },
  };
}
