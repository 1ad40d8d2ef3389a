// @ts-check
// Past couple chats: those a break-up closed. GET /api/chats lists the caller's couple chats,
// the open one first, then the closed ones (most recent activity first); they stay readable
// (history, older pages) but nobody can write in them. The list is read again whenever a
// partnership starts or ends (a break-up adds one; the same two linking again reopens it).

/** @typedef {import("./store.js").Store} Store */
/** @typedef {import("./api.js").Api} Api */
/** @typedef {import("./messaging.js").Messaging} Messaging */
/** @typedef {import("./types.js").UserCard} UserCard */
/** One closed couple chat as the sidebar lists it. @typedef {{ id: string, with: UserCard | null, last_message_at: string | null }} PastChat */

/** @param {{ store: Store, api: Api, messaging: Messaging, toast: (text: string) => void }} d */
export function createPastChats(d) {
  const { store } = d;
  const { state } = store;

  const self = {
    async load() {
      const me = state.me;
      /** @type {{ chats: { id: string, closed: boolean, members: UserCard[], last_message_at: string | null }[] }} */
      const { chats } = await d.api.get("/api/chats");
      state.pastChats = chats.filter((c) => c.closed).map((c) => ({ id: c.id, with: c.members.find((m) => m.id !== me?.id) ?? null, last_message_at: c.last_message_at }));
      // A chat already on screen that was closed while this page was away (another device, a sync).
      for (const c of state.pastChats) {
        const conv = store.find("couples", c.id);
        if (conv) conv.closed = true;
      }
      store.notify("sidebar");
    },

    /** @param {string} id */
    has: (id) => state.pastChats.some((c) => c.id === id),

    /** Opens a past chat's history, read-only. @param {string} id */
    async open(id) {
      const past = state.pastChats.find((c) => c.id === id);
      if (!past) return;
      const conv = store.conversation({ ns: "couples", id, title: past.with?.display_name ?? "Past chat" });
      conv.partner = past.with;
      conv.closed = true;
      try {
        await d.messaging.open(conv);
      } catch (err) {
        d.toast(`Opening the chat: ${err instanceof Error ? err.message : String(err)}`);
      }
    },
  };
  return self;
}

/** @typedef {ReturnType<typeof createPastChats>} PastChats */
