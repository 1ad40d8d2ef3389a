// @ts-check
// Unread counts as the lists, the title and the app badge show them. The SDK keeps the
// server's numbers (GET /api/unread, `unread_update`, its own mark_read) in each conversation
// view and `client.unreadTotal`. Two things are the app's:
//  - in a group of more than BIG_GROUP members the server sends no update for a new message
//    (only for mentions, reads and mutes; docs/DECISIONS.md), so each new message from someone
//    else is counted here, once per message id, and uncounted if it is deleted, until the
//    server's next update or snapshot for that conversation replaces the local count;
//  - the conversation being read shows no badge (its mark_read is on its way).
// No DOM here.

import { conversationKey } from "./store.js";

/** @typedef {import("./store.js").Store} Store */
/** @typedef {import("./types.js").Namespace} Namespace */
/** @typedef {import("./types.js").Message} Message */
/** @typedef {import("./types.js").UnreadEntry} UnreadEntry */

/** Mirrors UNREAD_FANOUT_MAX_MEMBERS (src/messaging/unread.ts): above it, new messages send no update. */
export const BIG_GROUP = 25;
/** How the server stores "muted for good" (src/messaging/unread.ts MUTED_FOREVER). */
const FOREVER_YEAR = 9999;

/** @param {Store} store */
export function createUnread(store) {
  /** Message id → conversation key, of the messages counted here. @type {Map<string, string>} */
  const counted = new Map();
  /** @param {string} key */
  const extra = (key) => [...counted.values()].filter((k) => k === key).length;

  const self = {
    /** A conversation's state: the SDK's numbers plus what was counted here. @param {Namespace} ns @param {string} id @returns {UnreadEntry} */
    of(ns, id) {
      const view = store.client?.conversation(ns, id);
      return { unread_count: (view?.unread ?? 0) + extra(conversationKey(ns, id)), mentioned: view?.mentioned ?? false, muted_until: view?.mutedUntil ?? null };
    },
    /** What to show: nothing for the conversation being read. @param {Namespace} ns @param {string} id @param {string | null} readingKey */
    shown(ns, id, readingKey) {
      const e = self.of(ns, id);
      return conversationKey(ns, id) === readingKey ? { ...e, unread_count: 0, mentioned: false } : e;
    },
    /** The total for the title and the badge. @param {string | null} readingKey */
    shownTotal(readingKey) {
      const reading = readingKey ? store.state.conversations.get(readingKey) : undefined;
      const total = (store.client?.unreadTotal ?? 0) + counted.size;
      return Math.max(0, total - (reading ? self.of(reading.ns, reading.id).unread_count : 0));
    },
    /**
     * A new message the server sends no `unread_update` for (a big group, from someone else,
     * not mentioning me): count it unless the user is reading that conversation.
     * @param {Namespace} ns @param {Message} m @param {boolean} reading @returns {boolean} whether it counted
     */
    countNew(ns, m, reading) {
      const { me, groups } = store.state;
      if (ns !== "groups" || reading || m.seq === null || m.deleted || !me || m.sender.id === me.id || (m.mentions ?? []).includes(me.id)) return false;
      const group = groups.find((g) => g.id === m.conversation_id);
      if (!group || group.is_member === false || group.members.length <= BIG_GROUP || counted.has(m.id)) return false;
      counted.set(m.id, conversationKey(ns, m.conversation_id));
      return true;
    },
    /** A deleted message counted here no longer counts. @param {Message} m */
    uncount: (m) => counted.delete(m.id),
    /** The server's numbers for a conversation (an update, my own read) now include what was counted. @param {string} key */
    settled(key) {
      for (const [id, k] of counted) if (k === key) counted.delete(id);
    },
    /** A snapshot (GET /api/unread) replaced every count. */
    clear: () => counted.clear(),
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
