// @ts-check
// Unread counts, mention flags and mutes per conversation, and the user's total (for the
// lists, the title and the app badge). The server is the source of truth: GET /api/unread
// gives a snapshot (at login and after every reconnect: `unread_update` is not replayed),
// `unread_update` every change after it, on every device of the user (a read on one clears
// the badge on the others). Two things the client does itself:
//  - its own read clears the conversation at once (the server's update follows);
//  - in a group of more than BIG_GROUP members the server sends no update for a new message
//    (only for mentions, reads and mutes; docs/DECISIONS.md), so each `new_message` from
//    someone else is counted here, once per message id, and uncounted if it is deleted.
// No DOM here: the event handler and the views call these, and Node tests can too.

import { conversationKey, NS_OF_TYPE } from "./store.js";

/** @typedef {import("./store.js").StoreState} StoreState */
/** @typedef {import("./types.js").Namespace} Namespace */
/** @typedef {import("./types.js").Message} Message */
/** @typedef {import("./types.js").UnreadUpdate} UnreadUpdate */
/** @typedef {import("./types.js").UnreadState} UnreadState */
/** @typedef {import("./types.js").UnreadEntry} UnreadEntry */

/** Mirrors UNREAD_FANOUT_MAX_MEMBERS (src/messaging/unread.ts): above it, new messages send no update. */
export const BIG_GROUP = 25;
/** How the server stores "muted for good" (src/messaging/unread.ts MUTED_FOREVER). */
const FOREVER_YEAR = 9999;

/** @returns {UnreadEntry} */
const zero = () => ({ unread_count: 0, mentioned: false, muted_until: null });

/** @param {StoreState} state @param {string} key @returns {UnreadEntry} */
export function unreadOf(state, key) {
  return state.unread.byKey.get(key) ?? zero();
}

/** A conversation's key from the server's (type, id). @param {UnreadState["type"]} type @param {string} id */
export const keyOfType = (type, id) => conversationKey(NS_OF_TYPE[type], id);

/** Forgets what was counted locally for a conversation (the server's numbers now include it). @param {StoreState} state @param {string} key */
function forgetCounted(state, key) {
  for (const [id, k] of state.unread.counted) if (k === key) state.unread.counted.delete(id);
}

/** @param {StoreState} state @param {UnreadUpdate} u */
function setFromUpdate(state, u) {
  const key = keyOfType(u.conversation_type, u.conversation_id);
  state.unread.byKey.set(key, { unread_count: u.unread_count, mentioned: u.mentioned, muted_until: u.muted_until });
  state.unread.total = u.total_unread;
  forgetCounted(state, key);
}

/** `unread_update`: one conversation's state and the user's total, as the server has them now. @param {StoreState} state @param {UnreadUpdate} u */
export function applyUnreadUpdate(state, u) {
  setFromUpdate(state, u);
  state.unread.during?.push(u);
}

/**
 * GET /api/unread, replacing what we hold: every conversation not listed has nothing unread
 * and no mute. Updates that arrive while the request is out may be newer than its answer
 * (a message sent meanwhile), so they are applied again on top of it.
 * @param {StoreState} state @param {() => Promise<{ total: number, conversations: UnreadState[] }>} fetchSummary
 */
export async function loadUnreadSnapshot(state, fetchSummary) {
  const unread = state.unread;
  unread.snapshots++;
  unread.during ??= [];
  try {
    const summary = await fetchSummary();
    if (state.unread !== unread) return; // signed out (or in as someone else) meanwhile
    unread.byKey.clear();
    unread.counted.clear();
    for (const c of summary.conversations) unread.byKey.set(keyOfType(c.type, c.conversation_id), { unread_count: c.unread_count, mentioned: c.mentioned, muted_until: c.muted_until });
    unread.total = summary.total;
    for (const u of unread.during ?? []) setFromUpdate(state, u);
  } finally {
    if (--unread.snapshots === 0) unread.during = null;
  }
}

/** The server's answer to a mute or an unmute. @param {StoreState} state @param {string} key @param {string | null} mutedUntil */
export function setMuted(state, key, mutedUntil) {
  state.unread.byKey.set(key, { ...unreadOf(state, key), muted_until: mutedUntil });
}

/**
 * A `new_message` the server sends no `unread_update` for (a group above BIG_GROUP members,
 * from someone else, not mentioning us): count it, once per message id, unless the user is
 * looking at that conversation (they are about to mark it read).
 * @param {StoreState} state @param {Namespace} ns @param {Message} m @param {boolean} reading
 * @returns {boolean} whether the count changed
 */
export function countNewMessage(state, ns, m, reading) {
  if (ns !== "groups" || reading || m.seq === null || m.deleted) return false;
  const me = state.me?.id;
  if (!me || m.sender.id === me || (m.mentions ?? []).includes(me)) return false;
  const group = state.groups.find((g) => g.id === m.conversation_id);
  if (!group || group.is_member === false || group.members.length <= BIG_GROUP) return false;
  if (state.unread.counted.has(m.id)) return false;
  const key = conversationKey(ns, m.conversation_id);
  state.unread.counted.set(m.id, key);
  const cur = unreadOf(state, key);
  state.unread.byKey.set(key, { ...cur, unread_count: cur.unread_count + 1 });
  state.unread.total += 1;
  return true;
}

/** A deleted message that was counted here no longer counts. @param {StoreState} state @param {Message} m @returns {boolean} */
export function uncountMessage(state, m) {
  const key = state.unread.counted.get(m.id);
  if (!key) return false;
  state.unread.counted.delete(m.id);
  const cur = unreadOf(state, key);
  state.unread.byKey.set(key, { ...cur, unread_count: Math.max(0, cur.unread_count - 1) });
  state.unread.total = Math.max(0, state.unread.total - 1);
  return true;
}

/** The user read the conversation up to its newest message (our own mark_read). @param {StoreState} state @param {string} key @returns {boolean} */
export function clearUnread(state, key) {
  const cur = unreadOf(state, key);
  forgetCounted(state, key);
  if (cur.unread_count === 0 && !cur.mentioned) return false;
  state.unread.byKey.set(key, { ...cur, unread_count: 0, mentioned: false });
  state.unread.total = Math.max(0, state.unread.total - cur.unread_count);
  return true;
}

/**
 * What to show for a conversation: nothing for the one the user is reading (its mark_read is
 * on its way; without this the badge would flash for a moment on every message).
 * @param {StoreState} state @param {string} key @param {string | null} readingKey
 */
export function shownUnread(state, key, readingKey) {
  const e = unreadOf(state, key);
  return key === readingKey ? { ...e, unread_count: 0, mentioned: false } : e;
}

/** The total to show in the title and the app badge. @param {StoreState} state @param {string | null} readingKey */
export function shownTotal(state, readingKey) {
  const reading = readingKey ? unreadOf(state, readingKey).unread_count : 0;
  return Math.max(0, state.unread.total - reading);
}

/** @param {UnreadEntry} e @param {number} [now] */
export const isMuted = (e, now = Date.now()) => e.muted_until !== null && Date.parse(e.muted_until) > now;

/** "Muted", "Muted until 18:30" or "Muted until Tue 3 Jun 18:30"; null when not muted. @param {UnreadEntry} e @param {(iso: string) => string} formatTime */
export function muteLabel(e, formatTime) {
  if (!isMuted(e) || e.muted_until === null) return null;
  return new Date(e.muted_until).getUTCFullYear() >= FOREVER_YEAR ? "Muted" : `Muted until ${formatTime(e.muted_until)}`;
}
