// @ts-check
// Everything around the conversations: who I am, my partner and partner requests, finding
// people, groups and DM threads, unread counts and mutes (past couple chats: past-chats.js,
// read again here whenever a partnership starts or ends). All of it is REST; live changes
// arrive as events (partner_request, partner_linked, group_updated, unread_update, ...) and
// land here to be reloaded.

import { mutePaths } from "./api.js";
import { dmIdOf } from "./store.js";

/** @typedef {import("./store.js").Store} Store */
/** @typedef {import("./api.js").Api} Api */
/** @typedef {import("./types.js").UserCard} UserCard */
/** @typedef {import("./types.js").Conversation} Conversation */
/** @typedef {import("./messaging.js").Messaging} Messaging */
/** @typedef {import("./types.js").ConversationType} ConversationType */

const HOUR_MS = 3_600_000;

/** @param {unknown} err @param {number[]} statuses */
const statusIn = (err, statuses) => statuses.includes(/** @type {{ status?: number }} */ (err)?.status ?? 0);

/** @param {{ store: Store, api: Api, messaging: Messaging, pastChats: import("./past-chats.js").PastChats, toast: (text: string) => void }} d */
export function createDirectory(d) {
  const { store, api } = d;
  const { state } = store;
  /** @type {number | undefined} */
  let threadsTimer;

  /** @param {string} what @param {() => Promise<unknown>} fn */
  async function attempt(what, fn) {
    try {
      await fn();
    } catch (err) {
      d.toast(`${what}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  const self = {
    async loadAll() {
      await self.loadMe();
      await Promise.all([self.loadPartner(), self.loadRequests(), self.loadGroups(), self.loadThreads(), d.pastChats.load()]);
    },

    /** Every conversation's unread count, mention flag and mute, and the total (replaces what we hold). */
    async loadUnread() {
      await store.client?.refreshUnread();
      store.notify("sidebar");
    },

    /**
     * Mutes a conversation for 8 hours or for good, or unmutes it. The `unread_update` every
     * device of ours gets (this one too) carries the new `muted_until` into the SDK's view.
     * @param {Conversation} conv @param {"8h" | "forever" | "off"} choice
     */
    mute: (conv, choice) =>
      attempt(choice === "off" ? "Unmute" : "Mute", async () => {
        const path = mutePaths[conv.type](conv.id);
        await (choice === "off" ? api.del(path) : api.put(path, choice === "forever" ? { forever: true } : { until: new Date(Date.now() + 8 * HOUR_MS).toISOString() }));
      }),

    /**
     * Opens a conversation named by its type and id (a notification click, or a `#/<type>/<id>`
     * link). Returns false when the user cannot open it (no longer a member, unknown).
     * @param {ConversationType} type @param {string} id @returns {Promise<boolean>}
     */
    async openTarget(type, id) {
      const me = state.me;
      if (!me) return false;
      if (type === "couple") {
        if (state.coupleChatId !== id) await self.loadPartner();
        if (state.coupleChatId === id) {
          await self.openCouple();
          return true;
        }
        if (!d.pastChats.has(id)) await d.pastChats.load();
        if (!d.pastChats.has(id)) return false;
        await d.pastChats.open(id);
        return true;
      }
      if (type === "group") {
        const member = () => state.groups.some((g) => g.id === id && g.is_member !== false);
        if (!member()) await self.loadGroups();
        if (!member()) return false;
        await self.openGroup(id);
        return true;
      }
      const names = id.replace(/^dm:/, "").split("|");
      const other = names.length === 2 && names.includes(me.username) ? names.find((n) => n !== me.username) : undefined;
      if (!other) return false;
      const card = state.threads.find((t) => t.dm_id === id)?.with ?? (await self.lookup(other));
      if (!card) return false;
      await self.openDm(card);
      return true;
    },

    async loadMe() {
      state.me = await api.me();
      store.notify("sidebar");
    },

    /** The couple chat (POST /api/chats creates it on first use) and the partner's card. */
    async loadPartner() {
      const me = state.me;
      if (!me?.partner_id) {
        state.partner = null;
        state.coupleChatId = null;
        return store.notify("sidebar");
      }
      const chat = await api.post("/api/chats", { recipient_id: me.partner_id });
      state.partner = chat.members.find((/** @type {UserCard} */ m) => m.id !== me.id) ?? null;
      state.coupleChatId = chat.id;
      const conv = self.coupleConversation();
      if (conv) {
        conv.mode = chat.mode;
        conv.closed = chat.closed === true; // the same two linking again reopens their chat
      }
      store.notify("sidebar");
    },

    async loadRequests() {
      state.requests = await api.get("/api/partners/requests");
      store.notify("sidebar");
    },

    async loadGroups() {
      state.groups = (await api.get("/api/groups")).groups;
      // The SDK counts a big group's unread itself, and shows members' presence: it needs the members.
      for (const g of state.groups) if (g.is_member !== false) store.client?.conversation("groups", g.id).setMembers(g.members.map((m) => m.user_id));
      store.notify("sidebar");
    },

    async loadThreads() {
      state.threads = (await api.get("/api/dm/threads")).threads;
      store.notify("sidebar");
    },

    /** @returns {Conversation | null} */
    coupleConversation() {
      if (!state.coupleChatId || !state.partner) return null;
      const conv = store.conversation({ ns: "couples", id: state.coupleChatId, title: state.partner.display_name });
      conv.partner = state.partner;
      return conv;
    },

    /** Finds a user by `username`, `@username` or `+phone`. @param {string} query @returns {Promise<UserCard | null>} */
    async lookup(query) {
      const q = query.trim();
      const param = q.startsWith("+") ? `phone=${encodeURIComponent(q.replace(/[\s()-]/g, ""))}` : `username=${encodeURIComponent(q.replace(/^@/, "").toLowerCase())}`;
      try {
        return await api.get(`/api/users/lookup?${param}`);
      } catch (err) {
        if (statusIn(err, [404])) return null;
        throw err;
      }
    },

    /** @param {string} userId */
    requestPartner: (userId) =>
      attempt("Partner request", async () => {
        await api.post("/api/partners/request", { recipient_id: userId });
        d.toast("Partner request sent");
        await self.loadRequests();
      }),

    /** @param {string} requestId @param {"accept" | "reject"} action */
    respond: (requestId, action) =>
      attempt("Answer", async () => {
        await api.post(`/api/partners/requests/${requestId}/respond`, { action });
        await self.loadMe();
        await Promise.all([self.loadRequests(), self.loadPartner(), d.pastChats.load()]);
      }),

    /** @param {UserCard} partner @param {string | null} chatId */
    async partnerLinked(partner, chatId) {
      d.toast(`💞 You and ${partner.display_name} are partners now`);
      await self.loadMe();
      // Linking again with a former partner reopens that chat: it leaves the past chats.
      await Promise.all([self.loadPartner(), self.loadRequests(), d.pastChats.load()]);
      if (chatId && !store.active) await self.openCouple();
    },

    /**
     * The partnership ended (either of us broke up, or one blocked the other): the couple chat
     * stays open as read-only history (events.js marked it closed), the partner box empties.
     * @param {{ partner_id: string, chat_id: string | null, ended_by: string }} p
     */
    async partnerUnlinked(p) {
      const name = state.partner?.id === p.partner_id ? state.partner.display_name : "your partner";
      d.toast(p.ended_by === state.me?.id ? `You and ${name} broke up. Your chat is read-only now.` : `${name} ended the partnership. Your chat is read-only now.`);
      await self.loadMe().catch(() => {});
      await Promise.all([self.loadPartner(), self.loadRequests(), d.pastChats.load()]).catch(() => {}); // the chat joins the past ones
    },

    openCouple: () =>
      attempt("Opening the chat", async () => {
        if (!state.coupleChatId) await self.loadPartner();
        const conv = self.coupleConversation();
        if (conv) await d.messaging.open(conv);
      }),

    /** @param {string} name @param {boolean} isPublic */
    createGroup: (name, isPublic) =>
      attempt("Creating the group", async () => {
        const group = await api.post("/api/groups", { name, is_public: isPublic });
        await self.loadGroups();
        await self.openGroup(group.id);
      }),

    /** @param {string} groupId */
    joinGroup: (groupId) =>
      attempt("Joining", async () => {
        await api.post(`/api/groups/${encodeURIComponent(groupId)}/join`);
        await self.loadGroups();
        await self.openGroup(groupId);
      }),

    /** @param {string} groupId */
    async openGroup(groupId) {
      const g = state.groups.find((x) => x.id === groupId);
      const conv = store.conversation({ ns: "groups", id: groupId, title: g?.name ?? groupId });
      await attempt("Opening the group", () => d.messaging.open(conv));
    },

    /** @param {string} groupId */
    leftGroup(groupId) {
      const key = store.find("groups", groupId)?.key;
      if (key && state.activeKey === key) state.activeKey = null;
      if (key) state.conversations.delete(key);
      void self.loadGroups().catch(() => {});
      // Leaving sends no unread_update: its count leaves the total this way.
      void self.loadUnread().catch(() => {});
      store.notify("active");
    },

    /** @param {UserCard} other */
    async openDm(other) {
      const me = /** @type {import("./types.js").Me} */ (state.me);
      const conv = store.conversation({ ns: "dm", id: dmIdOf(me.username, other.username), title: other.display_name });
      conv.partner = other;
      await attempt("Opening the conversation", () => d.messaging.open(conv));
    },

    /** A DM we have not opened got a message: it may be a new thread (one reload for a burst, such as a sync page). */
    threadsChanged() {
      window.clearTimeout(threadsTimer);
      threadsTimer = window.setTimeout(() => void self.loadThreads().catch(() => {}), 100);
    },

    /** @param {File} file @returns {Promise<"ok" | "unavailable" | "error">} */
    async uploadAvatar(file) {
      try {
        state.me = await api.uploadAvatar(file);
        store.notify("sidebar");
        return "ok";
      } catch (err) {
        // The upload route is optional (older servers): say so instead of failing loudly.
        if (statusIn(err, [404, 405])) return "unavailable";
        d.toast(`Avatar: ${err instanceof Error ? err.message : String(err)}`);
        return "error";
      }
    },
  };
  return self;
}

/** @typedef {ReturnType<typeof createDirectory>} Directory */
