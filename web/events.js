// @ts-check
// Applies one server event to the store. Live events (any namespace), events replayed by
// Socket.IO recovery and events returned by /api/events/sync all come through here, so
// the three paths cannot disagree. Every rule is idempotent: applying an event twice, or
// an old one after a newer snapshot, leaves the same state (see store.js mergeMessage).

import { conversationKey, mergeMessage, seqRange, setReactions } from "./store.js";
import { applyUnreadUpdate, countNewMessage, uncountMessage } from "./unread.js";

/** @typedef {import("./store.js").Store} Store */
/** @typedef {import("./types.js").Namespace} Namespace */
/** @typedef {import("./types.js").Conversation} Conversation */
/** @typedef {import("./types.js").Message} Message */
/** @typedef {import("./types.js").ServerEvents} ServerEvents */
/** @typedef {import("./types.js").UserCard} UserCard */

/**
 * @typedef {{
 *   gap(conv: Conversation, afterSeq: number): void,
 *   unseen(ns: Namespace, message: Message): void,
 *   toast(text: string): void,
 *   requestsChanged(): void,
 *   partnerLinked(partner: UserCard, chatId: string | null): void,
 *   leftGroup(groupId: string): void,
 *   partnerUnlinked?(p: { partner_id: string, chat_id: string | null, ended_by: string }): void,
 *   sessionEnded?(reason: string): void,
 *   memberMuted?(p: { group_id: string, user_id: string, until: string | null }): void,
 *   memberBanned?(banned: boolean, p: { group_id: string, user_id: string }): void,
 *   reading?(key: string): boolean,
 * }} EventHooks
 * `reading`: whether the user is looking at that conversation now (it is open and the page is
 * visible), so a new message there will be marked read rather than counted as unread.
 */

const TYPING_TTL_MS = 8_000;

/** @param {Store} store @param {EventHooks} hooks */
export function createEventHandler(store, hooks) {
  const { state } = store;

  /** @type {{ [E in keyof ServerEvents]?: (ns: Namespace, p: Parameters<ServerEvents[E]>[0]) => string | void }} */
  const handlers = {
    new_message(ns, { message }) {
      const conv = store.find(ns, message.conversation_id);
      if (!conv?.loaded) hooks.unseen(ns, message);
      // No unread_update comes for this one (a large group): count it ourselves.
      if (countNewMessage(state, ns, message, hooks.reading?.(conversationKey(ns, message.conversation_id)) ?? false)) store.notify("sidebar");
      if (!conv) return;
      const { max } = seqRange(conv);
      // seq has no gaps per conversation, so a jump means we missed something: fetch it.
      if (conv.loaded && message.seq !== null && max > 0 && message.seq > max + 1) hooks.gap(conv, max);
      conv.typing.delete(message.sender.id);
      // Kept even while the first page is still loading: the page may predate this message.
      mergeMessage(conv, message, "new");
      return conv.key;
    },
    message_updated(ns, { message }) {
      const conv = store.find(ns, message.conversation_id);
      if (conv && (conv.loaded || conv.messages.has(message.id)) && mergeMessage(conv, message, "update")) return conv.key;
    },
    message_deleted(ns, { message }) {
      if (uncountMessage(state, message)) store.notify("sidebar");
      const conv = store.find(ns, message.conversation_id);
      if (conv && (conv.loaded || conv.messages.has(message.id)) && mergeMessage(conv, message, "delete")) return conv.key;
    },
    message_reaction_update(ns, p) {
      const conv = store.find(ns, p.conversation_id);
      if (conv && setReactions(conv, p.message_id, p.reactions)) return conv.key;
    },
    read_receipt(ns, p) {
      const conv = store.find(ns, p.conversation_id);
      if (!conv) return;
      if (p.user_id === state.me?.id) conv.myReadSeq = Math.max(conv.myReadSeq, p.seq);
      else conv.readBy.set(p.user_id, Math.max(conv.readBy.get(p.user_id) ?? 0, p.seq));
      return conv.key;
    },
    typing_indicator(ns, p) {
      const conv = store.find(ns, p.conversation_id);
      if (!conv || p.user_id === state.me?.id) return;
      if (p.is_typing) conv.typing.set(p.user_id, { username: p.username, until: Date.now() + TYPING_TTL_MS });
      else conv.typing.delete(p.user_id);
      return conv.key;
    },
    user_presence_update(_ns, p) {
      state.presence.set(p.user_id, { status: p.status, last_seen: p.last_seen });
      return "presence";
    },
    chat_mode_changed(ns, p) {
      const conv = store.find(ns, p.conversation_id);
      if (conv) conv.mode = p.mode;
      return conv?.key ?? "sidebar";
    },
    thinking_of_you_received(_ns, p) {
      const at = new Date(p.at).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
      hooks.toast(`💭 ${p.from.display_name} is thinking of you (${at})`);
    },
    user_profile_update(_ns, { user }) {
      if (state.partner?.id === user.id) state.partner = { ...state.partner, ...user };
      for (const conv of state.conversations.values()) if (conv.partner?.id === user.id) conv.partner = { ...conv.partner, ...user };
      return "sidebar";
    },
    partner_request() {
      hooks.requestsChanged();
    },
    partner_linked(_ns, p) {
      hooks.partnerLinked(p.partner, p.chat_id);
    },
    partner_unlinked(_ns, p) {
      // The couple chat stays readable, but nobody can write in it any more.
      if (p.chat_id) {
        const conv = store.find("couples", p.chat_id);
        if (conv) conv.closed = true;
      }
      hooks.partnerUnlinked?.(p);
      return "sidebar";
    },
    group_member_muted(_ns, p) {
      hooks.memberMuted?.(p);
    },
    group_member_banned(_ns, p) {
      hooks.memberBanned?.(true, p);
    },
    group_member_unbanned(_ns, p) {
      hooks.memberBanned?.(false, p);
    },
    session_ended(_ns, p) {
      hooks.sessionEnded?.(p.reason);
    },
    group_updated(_ns, { group }) {
      const me = state.me?.id;
      const is_member = group.members.some((m) => m.user_id === me);
      const i = state.groups.findIndex((g) => g.id === group.id);
      const prev = i >= 0 ? state.groups[i] : undefined;
      const next = { ...prev, ...group, is_member };
      if (i >= 0) state.groups[i] = next;
      else state.groups.unshift(next);
      const conv = store.find("groups", group.id);
      if (conv) {
        conv.title = group.name;
        conv.members = group.members.map((m) => m.user_id);
      }
      return "sidebar";
    },
    group_member_removed(_ns, p) {
      if (p.user_id !== state.me?.id) return;
      hooks.leftGroup(p.group_id);
      return "sidebar";
    },
    group_deleted(_ns, p) {
      hooks.leftGroup(p.group_id);
      return "sidebar";
    },
    unread_update(_ns, p) {
      applyUnreadUpdate(state, p);
      return "sidebar";
    },
    error(_ns, p) {
      hooks.toast(`Server: ${p.message}`);
    },
  };

  return {
    /**
     * @param {Namespace} ns where it arrived (sync says which namespace it belongs to)
     * @param {string} type the event name
     * @param {any} payload
     * @returns {string | undefined} what changed, for the views
     */
    apply(ns, type, payload) {
      const handler = /** @type {((ns: Namespace, p: any) => string | void) | undefined} */ (handlers[/** @type {keyof ServerEvents} */ (type)]);
      const topic = handler ? handler(ns, payload) : undefined;
      store.advanceCursor(payload?.meta);
      return topic || undefined;
    },
  };
}

/** @typedef {ReturnType<typeof createEventHandler>} EventHandler */
