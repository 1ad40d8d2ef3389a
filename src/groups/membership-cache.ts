// Who is in which group, remembered in process so the hot paths skip the database: every
// group message (send, edit, read, delete) needs the sender's role in the group, and every
// /groups connect needs the user's group ids. On the embedded database both lookups scan
// and decode every group document; on MongoDB they are indexed but still a round trip.
//
// Correctness across nodes (docs/DECISIONS.md, "Group membership cache"): the group service
// calls `changed()` after every membership write; that drops the entries here and, through
// the bus, on every other node (waiting, bounded, for them to confirm). A lookup that was
// already reading the database when an invalidation arrived returns its answer to its
// callers but does not store it, so a pre-change read never outlives the change. A TTL
// bounds how long a missed invalidation (Redis hiccup, partitioned node) can last.
import type { GroupModel, GroupRole } from "./group.model.ts";
import { createReadBatcher } from "../shared/read-batcher.ts";
import type { MembershipBus, MembershipChange } from "./membership-bus.ts";

export interface GroupMembership {
  isPublic: boolean;
  roles: ReadonlyMap<string, GroupRole>;
  /** Shared by every caller: read it, never change it. */
  memberIds: readonly string[];
}

export interface MembershipCacheOptions {
  Group: GroupModel;
  bus?: MembershipBus;
  /** How long an entry may be served without hearing of a change: the bound on a missed invalidation. */
  ttlMs?: number;
  maxGroups?: number;
  maxUsers?: number;
}

export const MEMBERSHIP_TTL_MS = 5_000;

interface Timed<T> {
  value: T;
  at: number;
}

/** A database read in progress; `stale` once an invalidation arrived while it ran. */
interface GroupLoad {
  promise: Promise<GroupMembership | null>;
  stale: boolean;
}

export function createMembershipCache(o: MembershipCacheOptions) {
  const ttlMs = o.ttlMs ?? MEMBERSHIP_TTL_MS;
  const maxGroups = o.maxGroups ?? 10_000;
  const maxUsers = o.maxUsers ?? 100_000;
  const groups = new Map<string, Timed<GroupMembership>>();
  const groupLoads = new Map<string, GroupLoad>();
  const users = new Map<string, Timed<string[]>>();
  // Counts user-side invalidations: a read of group ids that overlapped one is not kept.
  let userChanges = 0;
  const fresh = <T>(e: Timed<T> | undefined): e is Timed<T> => e !== undefined && Date.now() - e.at < ttlMs;

  function remember<T>(map: Map<string, Timed<T>>, max: number, key: string, value: T) {
    map.delete(key); // re-inserted last: the Map's order is then oldest first
    if (map.size >= max) map.delete(map.keys().next().value!);
    map.set(key, { value, at: Date.now() });
  }

  async function readGroup(groupId: string): Promise<GroupMembership | null> {
    const g = await o.Group.findById(groupId, { is_public: 1, members: 1 }).lean();
    if (!g) return null;
    return {
      isPublic: g.is_public,
      roles: new Map(g.members.map((m) => [m.user_id, m.role])),
      memberIds: g.members.map((m) => m.user_id),
    };
  }

  // Users asking while a query runs wait for the next, which then serves them all
  // (src/shared/read-batcher.ts): a burst of handshakes costs a few scans, not one per user.
  const groupIdsRead = createReadBatcher(async (ids: string[]) => {
    const found = await o.Group.find({ "members.user_id": { $in: ids } }, { _id: 1, members: 1 }).lean();
    const byUser = new Map<string, string[]>(ids.map((id) => [id, []]));
    for (const g of found) {
      for (const m of g.members) byUser.get(m.user_id)?.push(g._id);
    }
    return byUser;
  });

  function forget(change: MembershipChange) {
    groups.delete(change.groupId);
    const load = groupLoads.get(change.groupId);
    if (load) {
      load.stale = true;
      groupLoads.delete(change.groupId); // later callers start a read that sees the change
    }
    for (const userId of change.userIds) users.delete(userId);
    // A query already running may predate the change: its answer is not kept (a later
    // caller waits for a query that starts after it asked, so it sees the change).
    if (change.userIds.length) userChanges++;
  }

  o.bus?.subscribe(forget);

  return {
    /** The group's members and visibility, or null when there is no such group. */
    async group(groupId: string): Promise<GroupMembership | null> {
      const hit = groups.get(groupId);
      if (fresh(hit)) return hit.value;
      let load = groupLoads.get(groupId);
      if (!load) {
        const started: GroupLoad = { stale: false, promise: readGroup(groupId) };
        load = started;
        groupLoads.set(groupId, started);
        void started.promise
          .then((m) => {
            if (m && !started.stale) remember(groups, maxGroups, groupId, m);
          })
          .catch(() => {})
          .finally(() => {
            if (groupLoads.get(groupId) === started) groupLoads.delete(groupId);
          });
      }
      return load.promise;
    },

    /** The ids of the groups the user is a member of. */
    async groupIdsOf(userId: string): Promise<readonly string[]> {
      const hit = users.get(userId);
      if (fresh(hit)) return hit.value;
      const before = userChanges;
      const groupIds = (await groupIdsRead.get(userId)) ?? [];
      if (userChanges === before) remember(users, maxUsers, userId, groupIds);
      return groupIds;
    },

    /**
     * Called by the group service after it wrote a membership change (or a visibility change,
     * or a deletion) of `groupId` affecting `userIds`: forgets here, then tells the other
     * nodes and waits (bounded) for them to confirm. Never throws: the write is done, and
     * the TTL covers a node that did not hear of it.
     */
    async changed(groupId: string, userIds: readonly string[]) {
      const change = { groupId, userIds: [...new Set(userIds)] };
      forget(change);
      await o.bus?.publish(change).catch(() => {});
    },
  };
}

export type MembershipCache = ReturnType<typeof createMembershipCache>;
