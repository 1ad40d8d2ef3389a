// @ts-check
// Unread counts as the lists, the title and the app badge show them. The SDK keeps them in each
// conversation view and `client.unreadTotal`: the server's numbers, re-applied over a snapshot,
// and its own count of big groups' new messages. The app adds one rule: the conversation being
// read shows no badge (its mark_read is on its way). No DOM here.

/** @typedef {import("./store.js").Store} Store */
/** @typedef {import("./types.js").Namespace} Namespace */
/** @typedef {import("./types.js").UnreadEntry} UnreadEntry */

/** How the server stores "muted for good" (src/messaging/unread.ts MUTED_FOREVER). */
const FOREVER_YEAR = 9999;

/** @param {Store} store */
export function createUnread(store) {
  const self = {
    /** A conversation's state, from its SDK view. @param {Namespace} ns @param {string} id @returns {UnreadEntry} */
    of(ns, id) {
      const view = store.client?.conversation(ns, id);
      return { unread_count: view?.unread ?? 0, mentioned: view?.mentioned ?? false, muted_until: view?.mutedUntil ?? null };
    },
    /** What to show: nothing for the conversation being read. @param {Namespace} ns @param {string} id @param {string | null} readingKey */
    shown(ns, id, readingKey) {
      const e = self.of(ns, id);
      return store.find(ns, id)?.key === readingKey ? { ...e, unread_count: 0, mentioned: false } : e;
    },
    /** The total for the title and the badge. @param {string | null} readingKey */
    shownTotal(readingKey) {
      const reading = readingKey ? store.state.conversations.get(readingKey) : undefined;
      return Math.max(0, (store.client?.unreadTotal ?? 0) - (reading ? reading.view.unread : 0));
    },
  };
  return self;
}

/** @typedef {ReturnType<typeof createUnread>} Unread */

/** @param {UnreadEntry} e @param {number} [now] */
export const isMuted = (e, now = Date.now()) => e.muted_until !== null && Date.parse(e.muted_until) > now;

/** "Muted", "Muted until 18:30" or "Muted until Tue 3 Jun 18:30"; null when not muted. @param {UnreadEntry} e @param {(iso: string) => string} formatTime */
export function muteLabel(e, formatTime) {
  if (!isMuted(e) || e.muted_until === null) return null;
  return new Date(e.muted_until).getUTCFullYear() >= FOREVER_YEAR ? "Muted" : `Muted until ${formatTime(e.muted_until)}`;
}
