// @ts-check
// What a user does inside a conversation. Reads go over REST (latest page, older pages with
// before_seq, gap fills with after_seq); writes go over the socket with an ack. A message
// gets its client_message_id when typed and keeps it through every retry, so a send whose
// ack was lost can be repeated safely: the server answers with the original message.

import { historyPaths } from "./api.js";
import { sentence } from "./errors.js";
import { hasOlder, mergeMessage, seqRange } from "./store.js";
import { clearUnread } from "./unread.js";

/** @typedef {import("./store.js").Store} Store */
/** @typedef {import("./api.js").Api} Api */
/** @typedef {import("./socket.js").Realtime} Realtime */
/** @typedef {import("./types.js").Conversation} Conversation */
/** @typedef {import("./types.js").PendingMessage} PendingMessage */
/** @typedef {import("./types.js").Message} Message */
/** @typedef {import("./types.js").ChatMode} ChatMode */
/** @typedef {import("./types.js").Namespace} Namespace */

export const PAGE_SIZE = 50;
const GAP_PAGE = 200;
const TYPING_REFRESH_MS = 3_000;
const TYPING_IDLE_MS = 2_500;

/** A client_message_id; crypto.randomUUID needs a secure context, getRandomValues does not. */
export function newClientMessageId() {
  if (globalThis.crypto?.randomUUID) return globalThis.crypto.randomUUID();
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(16));
  return `c-${Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")}`;
}

/** @param {{ store: Store, api: Api, realtime: () => Realtime | null, toast: (text: string) => void }} d */
export function createMessaging(d) {
  const { store } = d;
  /** @param {Conversation} conv */
  const changed = (conv) => store.notify(conv.key);
  /** @type {Map<string, { since: number, idle: number | undefined }>} */
  const typingState = new Map();
  /** @type {number | undefined} */
  let readTimer;

  /** @param {Conversation} conv @param {Message[]} messages */
  function mergeAll(conv, messages) {
    for (const m of messages) mergeMessage(conv, m, "new");
  }

  /** @template {keyof import("./types.js").ClientEvents} E @param {Conversation} conv @param {E} event @param {Parameters<import("./types.js").ClientEvents[E]>[0]} payload */
  async function ask(conv, event, payload) {
    const rt = d.realtime();
    if (!rt) throw new Error("not connected");
    const res = await rt.request(conv.ns, event, payload);
    if (!res.ok) throw new Error(sentence(res.error?.code, res.error?.message ?? "failed"));
    return res;
  }

  /** @param {string} what @param {() => Promise<unknown>} fn */
  async function attempt(what, fn) {
    try {
      await fn();
    } catch (err) {
      d.toast(`${what} failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  const self = {
    /** Shows a conversation, loading its latest page the first time. @param {Conversation} conv */
    async open(conv) {
      store.state.activeKey = conv.key;
      store.notify("active");
      if (!conv.loaded) await self.loadLatest(conv);
      self.markRead();
    },

    /** @param {Conversation} conv @param {{ replace?: boolean }} [opts] */
    async loadLatest(conv, opts = {}) {
      const { messages } = await d.api.get(`${historyPaths[conv.type](conv.id).latest}?count=${PAGE_SIZE}`);
      if (opts.replace) conv.messages.clear();
      mergeAll(conv, messages);
      conv.loaded = true;
      changed(conv);
    },

    /** Scroll-back: the page before the oldest seq we hold. @param {Conversation} conv */
    async loadOlder(conv) {
      if (conv.loadingOlder || !conv.loaded || !hasOlder(conv)) return;
      conv.loadingOlder = true;
      changed(conv);
      try {
        const { min } = seqRange(conv);
        const { messages } = await d.api.get(`${historyPaths[conv.type](conv.id).history}?before_seq=${min}&limit=${PAGE_SIZE}`);
        mergeAll(conv, messages);
      } finally {
        conv.loadingOlder = false;
        changed(conv);
      }
    },

    /** Fetches what lies between the newest seq we hold and a newer one that just arrived. @param {Conversation} conv @param {number} afterSeq */
    async fillGap(conv, afterSeq) {
      let after = afterSeq;
      for (;;) {
        const { messages } = await d.api.get(`${historyPaths[conv.type](conv.id).history}?after_seq=${after}&limit=${GAP_PAGE}`);
        mergeAll(conv, messages);
        changed(conv);
        if (messages.length < GAP_PAGE) return;
        after = /** @type {number} */ (messages[messages.length - 1].seq);
      }
    },

    /** @param {Conversation} conv @param {string} text @param {Message | null} replyTo */
    send(conv, text, replyTo) {
      /** @type {PendingMessage} */
      const p = {
        client_message_id: newClientMessageId(),
        text,
        reply_to_message_id: replyTo?.id ?? null,
        reply_preview: replyTo ? `${replyTo.sender.display_name}: ${replyTo.text.slice(0, 80)}` : null,
        created_at: new Date().toISOString(),
        status: "waiting",
      };
      conv.pending.set(p.client_message_id, p);
      self.typing(conv, false);
      changed(conv);
      void deliver(conv, p);
    },

    /** Re-sends what is still waiting, after a (re)connect of this namespace. @param {Namespace} ns */
    flush(ns) {
      for (const conv of store.state.conversations.values()) {
        if (conv.ns !== ns) continue;
        for (const p of conv.pending.values()) if (p.status === "waiting") void deliver(conv, p);
      }
    },

    /** @param {Conversation} conv @param {string} clientMessageId */
    retry(conv, clientMessageId) {
      const p = conv.pending.get(clientMessageId);
      if (p) void deliver(conv, p);
    },

    /** @param {Conversation} conv @param {string} clientMessageId */
    discard(conv, clientMessageId) {
      conv.pending.delete(clientMessageId);
      changed(conv);
    },

    /** @param {Conversation} conv @param {string} messageId @param {string} text */
    edit: (conv, messageId, text) =>
      attempt("Edit", async () => {
        const res = await ask(conv, "edit_message", { chat_id: conv.id, message_id: messageId, text });
        if (mergeMessage(conv, res.message, "update")) changed(conv);
      }),

    /** @param {Conversation} conv @param {string} messageId */
    remove: (conv, messageId) =>
      attempt("Delete", async () => {
        const res = await ask(conv, "delete_message", { chat_id: conv.id, message_id: messageId });
        if (mergeMessage(conv, res.message, "delete")) changed(conv);
      }),

    /** @param {Conversation} conv @param {string} messageId @param {string} emoji */
    react: (conv, messageId, emoji) =>
      attempt("Reaction", async () => {
        const res = await ask(conv, "toggle_reaction", { chat_id: conv.id, message_id: messageId, emoji });
        const cur = conv.messages.get(messageId);
        if (cur) conv.messages.set(messageId, { ...cur, reactions: res.reactions });
        changed(conv);
      }),

    /** The key of the conversation the user is looking at: open, loaded, and the page visible. */
    readingKey() {
      const conv = store.active;
      return conv?.loaded && document.visibilityState === "visible" ? conv.key : null;
    },

    /**
     * Tells the others how far we have read the open conversation (throttled), and clears its
     * unread count here at once (the server's unread_update follows, to every device of ours).
     */
    markRead() {
      // Once per 300 ms, not postponed by each render: a busy conversation still gets read.
      if (readTimer !== undefined) return;
      readTimer = window.setTimeout(() => {
        readTimer = undefined;
        const conv = store.active;
        if (!conv?.loaded || document.visibilityState !== "visible") return;
        if (clearUnread(store.state, conv.key)) store.notify("sidebar");
        const { max } = seqRange(conv);
        if (max <= conv.myReadSeq) return;
        conv.myReadSeq = max;
        void ask(conv, "mark_read", { chat_id: conv.id, seq: max }).catch(() => {
          conv.myReadSeq = 0; // try again next time
        });
      }, 300);
    },

    /** start_typing while typing (refreshed before the server's timeout), stop_typing when idle or sent. @param {Conversation} conv @param {boolean} active */
    typing(conv, active) {
      const rt = d.realtime();
      if (!rt) return;
      const t = typingState.get(conv.key);
      if (!active) {
        if (!t) return;
        window.clearTimeout(t.idle);
        typingState.delete(conv.key);
        rt.send(conv.ns, "stop_typing", { chat_id: conv.id });
        return;
      }
      const now = Date.now();
      const next = t ?? { since: 0, idle: undefined };
      if (now - next.since > TYPING_REFRESH_MS) {
        next.since = now;
        rt.send(conv.ns, "start_typing", { chat_id: conv.id });
      }
      window.clearTimeout(next.idle);
      next.idle = window.setTimeout(() => self.typing(conv, false), TYPING_IDLE_MS);
      typingState.set(conv.key, next);
    },

    /** @param {Conversation} conv @param {ChatMode} mode */
    changeMode: (conv, mode) =>
      attempt("Changing the mode", async () => {
        const res = await ask(conv, "change_chat_mode", { chat_id: conv.id, mode });
        conv.mode = res.mode;
        changed(conv);
      }),

    /** @param {Conversation} conv @param {string} partnerId */
    ping: (conv, partnerId) =>
      attempt("Ping", async () => {
        await ask(conv, "ping_thinking_of_you", { recipient_user_id: partnerId });
        d.toast("💭 Sent");
      }),
  };

  /** @param {Conversation} conv @param {PendingMessage} p */
  async function deliver(conv, p) {
    const rt = d.realtime();
    if (p.status === "sending" || !conv.pending.has(p.client_message_id)) return;
    if (!rt?.connected(conv.ns)) {
      p.status = "waiting"; // sent by flush() when the socket is back
      return changed(conv);
    }
    p.status = "sending";
    changed(conv);
    try {
      const payload = { chat_id: conv.id, client_message_id: p.client_message_id, text: p.text, ...(p.reply_to_message_id ? { reply_to_message_id: p.reply_to_message_id } : {}) };
      const res = await rt.request(conv.ns, "send_message", payload);
      if (res.ok) mergeMessage(conv, res.message, "new");
      else {
        Object.assign(p, { status: "failed", error: sentence(res.error?.code, res.error?.message ?? "refused") });
        // A break-up we missed, or one from another device: the chat is read-only now.
        if (res.error?.code === "chat_closed") conv.closed = true;
      }
    } catch {
      // No ack in time: the server may or may not have it. Same id again is safe.
      p.status = "waiting";
      window.setTimeout(() => void deliver(conv, p), 3_000);
    }
    changed(conv);
  }

  return self;
}

/** @typedef {ReturnType<typeof createMessaging>} Messaging */
