// Who is acting: the sender's card is stamped on every message, so every send needs it.
// A few seconds of caching spares a user lookup per message (concurrent misses for one
// user share a single read) at the cost of a short delay after a profile change.
import { LRUCache } from "lru-cache";
import type { UserCard } from "../contract/models.ts";
import { notFound } from "../shared/errors.ts";
import type { UserRepository } from "../users/user.repository.ts";
import { toUserPublic } from "../users/user.dto.ts";

export interface Actor {
  id: string;
  card: UserCard;
}

export interface ActorDirectory {
  of(userId: string): Promise<Actor>;
}

export function createActorDirectory(d: { users: Pick<UserRepository, "byId">; ttlMs?: number; max?: number }): ActorDirectory {
  const cache = new LRUCache<string, Actor>({
    max: d.max ?? 50_000,
    ttl: d.ttlMs ?? 5000,
    async fetchMethod(userId) {
      const record = await d.users.byId(userId);
      if (!record) throw notFound("User");
      const { id, username, display_name, avatar_url } = toUserPublic(record);
      return { id: userId, card: { id, username, display_name, avatar_url } };
    },
  });
  return {
    async of(userId) {
      return (await cache.fetch(userId))!;
    },
  };
}
