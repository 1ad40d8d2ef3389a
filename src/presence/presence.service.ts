// Presence for couples: the partner hears "online" when the first socket of a user opens
// anywhere and "offline" (with last_seen) only when the last one closes.
import type { Notifier } from "../events/notifier.ts";
import type { UserModel } from "../users/user.model.ts";
import type { PresenceStore } from "./presence-store.ts";

export function createPresenceService(d: { store: PresenceStore; User: UserModel; notifier: Notifier }) {
  async function tellPartner(userId: string, status: "online" | "offline", lastSeen: string | null) {
    const u = await d.User.findById(userId, { partner_id: 1, mood: 1 }).lean();
    if (!u?.partner_id) return;
    await d.notifier.toUsers("couples", [u.partner_id.toString()], "user_presence_update", { user_id: userId, status, last_seen: lastSeen, mood: u.mood ?? null }, { durable: false });
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
    async statusOf(userId: string) {
      const online = (await d.store.count(userId)) > 0;
      const u = await d.User.findById(userId, { mood: 1 }).lean();
      return { user_id: userId, status: online ? ("online" as const) : ("offline" as const), last_seen: online ? null : await d.store.lastSeen(userId), mood: u?.mood ?? null };
    },
    refresh: (entries: { userId: string; socketId: string }[]) => d.store.refresh(entries),
  };
}

export type PresenceService = ReturnType<typeof createPresenceService>;
