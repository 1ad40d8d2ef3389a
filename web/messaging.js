// @ts-check
// What a user does inside a conversation, through the SDK: its view loads pages and sends
// (the outbox keeps a send, with its client_message_id, until the server acks it, across
// reconnects and reloads); `client.emit` carries edits, deletes, reactions, reads, the chat
// mode and pings with their acks. What is left here is the app's: a send refused for good
// is kept for Retry or Discard, reads are throttled, typing is started and stopped.

import { sentence } from "./errors.js";
import { newClientMessageId } from "./sdk.js";

/** @typedef {import("./store.js").Store} Store */
/** @typedef {import("./types.js").Conversation} Conversation */
/** @typedef {import("./types.js").FailedSend} FailedSend */
/** @typedef {import("./types.js").Message} Message */
/** @typedef {import("./types.js").ChatMode} ChatMode */
/** @typedef {import("./types.js").ClientEvents} ClientEvents */

export const PAGE_SIZE = 50;
const TYPING_REFRESH_MS = 3_000;
const TYPING_IDLE_MS = 2_500;

/** @param {{ store: Store, toast: (text: string) => void }} d */
export function createMessaging(d) {
  const { store } = d;
  /** @type {Map<string, { since: number, idle: number | undefined }>} */
  const typingState = new Map();
  /** @type {number | undefined} */
  let readTimer;

  /** @template {keyof ClientEvents} E @param {Conversation} conv @param {E} event @param {Parameters<ClientEvents[E]>[0]} payload */
  async function ask(conv, event, payload) {
    const client = store.client;
    if (!client) throw new Error("signed out");
    try {
      return await client.emit(conv.ns, event, payload);
    } catch (err) {
      const e = /** @type {{ code?: string, message?: string }} */ (err);
      throw new Error(e.code === "timeout" || e.code === "not_connected" ? "no connection" : sentence(e.code, e.message), { cause: err });
    }
  }

  /** @param {string} what @param {() => Promise<unknown>} fn */
  async function attempt(what, fn) {
    try {
      await fn();
    } catch (err) {
      d.toast(`${what} failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /** Sends through the SDK; a refusal for good stays on screen with Retry and Discard. @param {Conversation} conv @param {FailedSend["payload"]} payload */
  function deliver(conv, payload) {
    conv.failed.delete(payload.client_message_id);
    store.client?.send(conv.ns, /** @type {import("./sdk.js").SendArgs} */ (payload)).catch((/** @type {{ code?: string, message?: string }} */ err) => {
      if (err.code === "closed" || err.code === "logged_out") return; // still in the outbox, or signed out
      conv.failed.set(payload.client_message_id, { client_message_id: payload.client_message_id, payload, error: sentence(err.code, err.message) });
      // A break-up we missed, or one from another device: the chat is read-only now.
      if (err.code === "chat_closed") conv.closed = true;
      store.notify(conv.key);
    });
  }

  const self = {
    /** Shows a conversation, loading its latest page the first time. @param {Conversation} conv */
    async open(conv) {
      store.state.activeKey = conv.key;
      store.notify("active");
      if (!conv.view.loaded) await conv.view.loadLatest(PAGE_SIZE);
      self.markRead();
    },

    /** Scroll-back: the page before the oldest seq held. @param {Conversation} conv */
    async loadOlder(conv) {
      if (conv.view.loading || !conv.view.loaded || !conv.view.hasOlder) return;
      await conv.view.loadOlder(PAGE_SIZE);
    },

    /** @param {Conversation} conv @param {string} text @param {Message | null} replyTo */
    send(conv, text, replyTo) {
      self.typing(conv, false);
      deliver(conv, { chat_id: conv.id, client_message_id: newClientMessageId(), text, ...(replyTo ? { reply_to_message_id: replyTo.id } : {}) });
    },

    /** @param {Conversation} conv @param {string} clientMessageId */
    retry(conv, clientMessageId) {
      const f = conv.failed.get(clientMessageId);
      if (f) deliver(conv, f.payload);
    },

    /** @param {Conversation} conv @param {string} clientMessageId */
    discard(conv, clientMessageId) {
      conv.failed.delete(clientMessageId);
      store.notify(conv.key);
    },

    // The SDK applies the answers of these three to the view at once.
    /** @param {Conversation} conv @param {string} messageId @param {string} text */
    edit: (conv, messageId, text) => attempt("Edit", () => ask(conv, "edit_message", { chat_id: conv.id, message_id: messageId, text })),
    /** @param {Conversation} conv @param {string} messageId */
    remove: (conv, messageId) => attempt("Delete", () => ask(conv, "delete_message", { chat_id: conv.id, message_id: messageId })),
    /** @param {Conversation} conv @param {string} messageId @param {string} emoji */
    react: (conv, messageId, emoji) => attempt("Reaction", () => ask(conv, "toggle_reaction", { chat_id: conv.id, message_id: messageId, emoji })),

    /** The key of the conversation the user is looking at: open, loaded, and the page visible. */
    readingKey() {
      const conv = store.active;
      return conv?.view.loaded && document.visibilityState === "visible" ? conv.key : null;
    },

    /** Tells the others how far we have read the open conversation (at most every 300 ms); the SDK clears its count at once. */
    markRead() {
      if (readTimer !== undefined) return;
      readTimer = window.setTimeout(() => {
        readTimer = undefined;
        const conv = store.active;
        if (!conv?.view.loaded || document.visibilityState !== "visible") return;
        const max = conv.view.messages.findLast((m) => m.seq !== null)?.seq ?? 0;
        if (max <= conv.myReadSeq) return;
        conv.myReadSeq = max;
        conv.view.markRead(max).catch(() => {
          conv.myReadSeq = 0; // try again next time
        });
      }, 300);
    },

    /** start_typing while typing (refreshed before the server's timeout), stop_typing when idle or sent. @param {Conversation} conv @param {boolean} active */
    typing(conv, active) {
      const socket = store.client?.socket(conv.ns);
      if (!socket?.connected) return;
      const t = typingState.get(conv.key);
      if (!active) {
        if (!t) return;
        window.clearTimeout(t.idle);
        typingState.delete(conv.key);
        socket.emit("stop_typing", { chat_id: conv.id });
        return;
      }
      const now = Date.now();
      const next = t ?? { since: 0, idle: undefined };
      if (now - next.since > TYPING_REFRESH_MS) {
        next.since = now;
        socket.emit("start_typing", { chat_id: conv.id });
      }
      window.clearTimeout(next.idle);
      next.idle = window.setTimeout(() => self.typing(conv, false), TYPING_IDLE_MS);
      typingState.set(conv.key, next);
    },

    /** @param {Conversation} conv @param {ChatMode} mode */
    changeMode: (conv, mode) =>
      attempt("Changing the mode", async () => {
        conv.mode = (await ask(conv, "change_chat_mode", { chat_id: conv.id, mode })).mode;
        store.notify(conv.key);
      }),

    /** @param {Conversation} conv @param {string} partnerId */
    ping: (conv, partnerId) =>
      attempt("Ping", async () => {
        await ask(conv, "ping_thinking_of_you", { recipient_user_id: partnerId });
        d.toast("💭 Sent");
      }),
  };
  return self;
}

/** @typedef {ReturnType<typeof createMessaging>} Messaging */
