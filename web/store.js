// @ts-check
// What the app holds beside the SDK: who I am, my partner and requests, past couple chats, groups, DM threads,
// and per conversation what only the app knows (title, chat mode, read receipts, members,
// a closed couple chat, sends refused for good). Messages, pending sends, unread counts,
// typing, presence, group sizes and loading state are the SDK's conversation views (`conv.view`), which dedupe and order.
// No DOM here: the views subscribe, and Node tests can import it.

/** @typedef {import("./sdk.js").ChatClient} ChatClient */
/** @typedef {import("./types.js").Conversation} Conversation */
/** @typedef {import("./types.js").Namespace} Namespace */
/** @typedef {import("./types.js").UserCard} UserCard */
/** @typedef {import("./types.js").Me} Me */
/** @typedef {import("./types.js").GroupSummary} GroupSummary */
/** @typedef {import("./types.js").PartnerRequest} PartnerRequest */
/** @typedef {import("./types.js").Message} Message */

/** @type {Record<Namespace, import("./types.js").ConversationType>} */
const TYPE_OF_NS = { couples: "couple", groups: "group", dm: "dm" };

/** @param {Namespace} ns @param {string} id */
export const conversationKey = (ns, id) => `${ns}/${id}`;

/** The DM id both sides compute: `dm:<a>|<b>`, lowercase usernames, sorted. @param {string} a @param {string} b */
export const dmIdOf = (a, b) => `dm:${[a.toLowerCase(), b.toLowerCase()].sort().join("|")}`;

function newState() {
  return {
    /** @type {Me | null} */
    me: null,
    /** @type {UserCard | null} */
    partner: null,
    /** @type {string | null} */
    coupleChatId: null,
    /** @type {{ incoming: PartnerRequest[], outgoing: PartnerRequest[] }} */
    requests: { incoming: [], outgoing: [] },
    /** Couple chats closed by a break-up (read-only history). @type {import("./past-chats.js").PastChat[]} */
    pastChats: [],
    /** @type {(GroupSummary & { is_member?: boolean })[]} */
    groups: [],
    /** @type {{ dm_id: string, with: UserCard | null, latest: Message | null }[]} */
    threads: [],
    /** @type {Map<string, Conversation>} */
    conversations: new Map(),
    /** @type {string | null} */
    activeKey: null,
  };
}

export function createStore() {
  /** @type {Set<(topic: string) => void>} */
  const listeners = new Set();
  const state = {
    ...newState(),
    /** The connection as the topbar shows it; `syncRuns` counts the SDK's sync requests. */
    connection: { status: /** @type {"connecting" | "connected" | "reconnecting" | "offline"} */ ("offline"), transport: "", syncRuns: 0, lastRecovered: false },
  };
  /** @type {ChatClient | null} */
  let client = null;

  const self = {
    state,
    /** The SDK client of the signed-in session (null when signed out). */
    get client() {
      return client;
    },
    /** @param {(topic: string) => void} fn */
    subscribe(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    /** @param {string} topic */
    notify(topic) {
      for (const fn of listeners) fn(topic);
    },
    /** The app's record of a conversation, with the SDK's view of it (made on first use). @param {{ ns: Namespace, id: string, title: string }} d */
    conversation(d) {
      const key = conversationKey(d.ns, d.id);
      let conv = state.conversations.get(key);
      if (!conv) {
        if (!client) throw new Error("signed out");
        const view = client.conversation(d.ns, d.id);
        conv = { key, ns: d.ns, type: TYPE_OF_NS[d.ns], id: d.id, title: d.title, view, mode: null, readBy: new Map(), myReadSeq: 0, partner: null, failed: new Map() };
        view.subscribe(() => self.notify(key));
        state.conversations.set(key, conv);
      } else if (d.title) conv.title = d.title;
      return conv;
    },
    /** @param {Namespace} ns @param {string} id */
    find(ns, id) {
      return state.conversations.get(conversationKey(ns, id));
    },
    get active() {
      return state.activeKey ? (state.conversations.get(state.activeKey) ?? null) : null;
    },
    /** A new session (or none): forget everything the previous one held. @param {ChatClient | null} next */
    reset(next) {
      Object.assign(state, newState());
      client = next;
    },
  };
  return self;
}

/** @typedef {ReturnType<typeof createStore>} Store */
/** @typedef {Store["state"]} StoreState */
