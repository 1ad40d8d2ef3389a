// @ts-check
// Client state and the rules that keep it consistent however events arrive: live, replayed
// by connection-state recovery, replayed by /api/events/sync, or refetched as history.
// Messages are keyed by id (so every path is idempotent) and shown in `seq` order.
// No DOM here: the views subscribe, and tests import this module directly in Node.

/** @typedef {import("./types.js").Message} Message */
/** @typedef {import("./types.js").Conversation} Conversation */
/** @typedef {import("./types.js").Namespace} Namespace */
/** @typedef {import("./types.js").ConversationType} ConversationType */
/** @typedef {import("./types.js").PendingMessage} PendingMessage */
/** @typedef {import("./types.js").UserCard} UserCard */
/** @typedef {import("./types.js").Me} Me */
/** @typedef {import("./types.js").GroupSummary} GroupSummary */
/** @typedef {import("./types.js").PartnerRequest} PartnerRequest */
/** @typedef {import("./types.js").UnreadEntry} UnreadEntry */
/** @typedef {import("./types.js").UnreadUpdate} UnreadUpdate */

/** @type {Record<ConversationType, Namespace>} */
export const NS_OF_TYPE = { couple: "couples", group: "groups", dm: "dm" };
/** @type {Record<Namespace, ConversationType>} */
export const TYPE_OF_NS = { couples: "couple", groups: "group", dm: "dm" };

/** @param {Namespace} ns @param {string} id */
export const conversationKey = (ns, id) => `${ns}/${id}`;

/** The DM id both sides compute: `dm:<a>|<b>`, lowercase usernames, sorted. @param {string} a @param {string} b */
export const dmIdOf = (a, b) => `dm:${[a.toLowerCase(), b.toLowerCase()].sort().join("|")}`;

/** @param {{ ns: Namespace, id: string, title: string }} d @returns {Conversation} */
export function newConversation(d) {
  return {
    key: conversationKey(d.ns, d.id),
    ns: d.ns,
    type: TYPE_OF_NS[d.ns],
    id: d.id,
    title: d.title,
    messages: new Map(),
    pending: new Map(),
    loaded: false,
    loadingOlder: false,
    mode: null,
    readBy: new Map(),
    myReadSeq: 0,
    typing: new Map(),
    members: [],
    partner: null,
  };
}

/**
 * Merges one message into a conversation. `kind` says where it came from:
 * - "new" (new_message, history, an ack): never overwrites a copy we already hold, which
 *   may be newer (edited, reacted to) than a replayed new_message;
 * - "update" (message_updated): applies unless ours is deleted or edited later;
 * - "delete" (message_deleted): always applies; a tombstone is final.
 * A message that answers a pending one (same client_message_id) replaces it.
 * @param {Conversation} conv @param {Message} m @param {"new" | "update" | "delete"} kind
 * @returns {boolean} whether anything changed
 */
export function mergeMessage(conv, m, kind) {
  const had = conv.pending.delete(m.client_message_id);
  const cur = conv.messages.get(m.id);
  if (!cur) {
    conv.messages.set(m.id, m);
    return true;
  }
  if (kind === "new") {
    // A history page is a snapshot: it may carry a later state than ours (edited while we
    // were away), so take it when it is at least as far along.
    if (!isNewer(m, cur)) return had;
    conv.messages.set(m.id, m);
    return true;
  }
  if (kind === "update" && (cur.deleted || (cur.last_edited_at ?? "") > (m.last_edited_at ?? ""))) return had;
  conv.messages.set(m.id, m);
  return true;
}

/** @param {Message} a @param {Message} b */
function isNewer(a, b) {
  if (a.deleted !== b.deleted) return a.deleted;
  return (a.last_edited_at ?? "") > (b.last_edited_at ?? "");
}

/** @param {Conversation} conv @param {string} messageId @param {Message["reactions"]} reactions */
export function setReactions(conv, messageId, reactions) {
  const cur = conv.messages.get(messageId);
  if (!cur || cur.deleted) return false;
  conv.messages.set(messageId, { ...cur, reactions });
  return true;
}

/** Stored messages in `seq` order; incognito ones (no seq) by time among them. @param {Conversation} conv */
export function orderedMessages(conv) {
  const all = [...conv.messages.values()];
  const stored = all.filter((m) => m.seq !== null).sort((a, b) => /** @type {number} */ (a.seq) - /** @type {number} */ (b.seq));
  const live = all.filter((m) => m.seq === null).sort((a, b) => a.created_at.localeCompare(b.created_at));
  /** @type {Message[]} */
  const out = [];
  let i = 0;
  for (const m of stored) {
    while (i < live.length && /** @type {Message} */ (live[i]).created_at < m.created_at) out.push(/** @type {Message} */ (live[i++]));
    out.push(m);
  }
  return out.concat(live.slice(i));
}

/** @param {Conversation} conv */
export function seqRange(conv) {
  let min = Infinity;
  let max = 0;
  for (const m of conv.messages.values()) {
    if (m.seq === null) continue;
    if (m.seq < min) min = m.seq;
    if (m.seq > max) max = m.seq;
  }
  return { min: min === Infinity ? 0 : min, max };
}

/** Whether older history exists: seq is gap-free from 1 (deleted messages keep theirs). @param {Conversation} conv */
export function hasOlder(conv) {
  const { min } = seqRange(conv);
  return min > 1;
}

function newUnread() {
  return {
    byKey: /** @type {Map<string, UnreadEntry>} */ (new Map()),
    total: 0,
    counted: /** @type {Map<string, string>} */ (new Map()),
    snapshots: 0,
    during: /** @type {UnreadUpdate[] | null} */ (null),
  };
}

export function createStore() {
  /** @type {Set<(topic: string) => void>} */
  const listeners = new Set();
  const state = {
    /** @type {Me | null} */
    me: null,
    /** @type {UserCard | null} */
    partner: null,
    /** @type {string | null} */
    coupleChatId: null,
    /** @type {Map<string, { status: "online" | "offline", last_seen: string | null }>} */
    presence: new Map(),
    /** @type {{ incoming: PartnerRequest[], outgoing: PartnerRequest[] }} */
    requests: { incoming: [], outgoing: [] },
    /** @type {(GroupSummary & { is_member?: boolean })[]} */
    groups: [],
    /** @type {{ dm_id: string, with: UserCard | null, latest: Message | null }[]} */
    threads: [],
    /**
     * Unread counts, mention flags and mutes by conversation key, and the user's total
     * (rules in unread.js). `counted`: message id → conversation key of the messages this
     * client counted itself (large groups, where the server sends no update per message).
     * `snapshots`/`during`: GET /api/unread requests out, and the updates received meanwhile.
     */
    unread: newUnread(),
    /** @type {Map<string, Conversation>} */
    conversations: new Map(),
    /** @type {string | null} */
    activeKey: null,
    /** Where this client stands in its durable event stream (SPEC §5). */
    cursor: { epoch: /** @type {string | null} */ (null), seq: /** @type {number | null} */ (null) },
    connection: { status: /** @type {"connecting" | "connected" | "reconnecting" | "offline"} */ ("offline"), transport: "", syncRuns: 0, lastRecovered: false },
  };

  return {
    state,
    /** @param {(topic: string) => void} fn */
    subscribe(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    /** @param {string} topic */
    notify(topic) {
      for (const fn of listeners) fn(topic);
    },
    /** @param {{ ns: Namespace, id: string, title: string }} d */
    conversation(d) {
      const key = conversationKey(d.ns, d.id);
      let conv = state.conversations.get(key);
      if (!conv) {
        conv = newConversation(d);
        state.conversations.set(key, conv);
      } else if (d.title) conv.title = d.title;
      return conv;
    },
    /** @param {Namespace} ns @param {string} id */
    find(ns, id) {
      return state.conversations.get(conversationKey(ns, id));
    },
    get active() {
      return state.activeKey ? state.conversations.get(state.activeKey) ?? null : null;
    },
    /** Remembers the newest durable event seen. @param {{ event_seq: number, epoch: string } | undefined} meta */
    advanceCursor(meta) {
      if (!meta) return;
      if (state.cursor.epoch !== meta.epoch) state.cursor = { epoch: meta.epoch, seq: meta.event_seq };
      else state.cursor.seq = Math.max(state.cursor.seq ?? 0, meta.event_seq);
    },
    reset() {
      state.me = null;
      state.partner = null;
      state.coupleChatId = null;
      state.presence.clear();
      state.requests = { incoming: [], outgoing: [] };
      state.groups = [];
      state.threads = [];
      state.unread = newUnread();
      state.conversations.clear();
      state.activeKey = null;
      state.cursor = { epoch: null, seq: null };
    },
  };
}

/** @typedef {ReturnType<typeof createStore>} Store */
/** @typedef {Store["state"]} StoreState */
