// Presence for couples: the partner hears "online" when the first socket of a user opens
// anywhere and "offline" (with last_seen) only when the last one closes.
// Partner and mood come from the cached user facts (src/users/user-facts.ts): a connect
// costs no user lookup, and a user without a partner costs nothing more. A break-up ends
// it (the facts are forgotten), and nothing is told across a block (blocking one's partner
// breaks up anyway; the check covers a cached partner a moment stale).
import type { Notifier } from "../events/notifier.ts";
import type { UserFactsCache } from "../users/user-facts.ts";
import type { PresenceStore } from "./presence-store.ts";
import type { BlockCheck } from "../safety/block-check.ts";

export function createPresenceService(d: { store: PresenceStore; users: UserFactsCache; notifier: Notifier; blocks?: Pick<BlockCheck, "between"> }) {
  const walled = async (a: string, b: string) => (d.blocks ? d.blocks.between(a, b) : false);

  async function tellPartner(userId: string, status: "online" | "offline", lastSeen: string | null) {
    const u = await d.users.get(userId);
    if (!u?.partnerId || (await walled(userId, u.partnerId))) return;
    await d.notifier.toUsers("couples", [u.partnerId], "user_presence_update", { user_id: userId, status, last_seen: lastSeen, mood: u.mood }, { durable: false });
  }

  async function statusOf(userId: string) {
    const online = (await d.store.count(userId)) > 0;
    const u = await d.users.get(userId);
    return { user_id: userId, status: online ? ("online" as const) : ("offline" as const), last_seen: online ? null : await d.store.lastSeen(userId), mood: u?.mood ?? null };
  }

  return {
    async connected(userId: string, socketId: string) {
      if ((await d.store.add(userId, socketId)) === 1) await tellPartner(userId, "online", null);
    },
    async disconnected(userId: string, socketId: string) {
      if ((await d.store.remove(userId, socketId)) > 0) return;
      const at = new Date().toISOString();
      await d.store.setLastSeen(userId, at);
      await tellPartner(userId, "offline", at);
    },
    statusOf,
    /** The status of the user's partner, or null without one (what /couples sends on connect). */
    async partnerStatusOf(userId: string) {
      const partnerId = (await d.users.get(userId))?.partnerId;
      return partnerId && !(await walled(userId, partnerId)) ? statusOf(partnerId) : null;
    },
    refresh: (entries: { userId: string; socketId: string }[]) => d.store.refresh(entries),
  };
}

export type PresenceService = ReturnType<typeof createPresenceService>;
