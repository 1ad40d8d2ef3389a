// @ts-check
// The open conversation: the header (conversation-header.js), the message list (keyed: a
// message element is rebuilt only when that message changed), scroll-back paging, the
// typing line and the composer (Enter sends, Shift+Enter breaks the line, Escape cancels
// a reply or an edit, ArrowUp in an empty box edits your last message).

import { createConversationHeader } from "./conversation-header.js";
import { byId, shortTime, typedById } from "./dom.js";
import { messageVersion, renderMessage, renderPending } from "./message-view.js";

/** @typedef {import("../store.js").Store} Store */
/** @typedef {import("../messaging.js").Messaging} Messaging */
/** @typedef {import("../types.js").Conversation} Conversation */
/** @typedef {import("../types.js").Message} Message */
/** @typedef {import("./message-view.js").PendingMessage} PendingMessage */

const PLACEHOLDER = "Write a message… (Enter to send, Shift+Enter for a new line)";

/**
 * @param {{
 *   store: Store,
 *   messaging: Messaging,
 *   unread: import("../unread.js").Unread,
 *   mute: (conv: Conversation, choice: "8h" | "forever" | "off") => Promise<void>,
 *   safety: import("../safety.js").Safety,
 *   report: (target: import("../safety.js").ReportTarget, description: string) => void,
 *   bans: (groupId: string) => void,
 *   reports: (groupId: string, name: string) => void,
 * }} d
 */
export function createConversationView(d) {
  const { store, messaging } = d;
  const header = createConversationHeader(d);
  const main = byId("conversation");
  const scroller = byId("messages-scroll");
  const olderStatus = byId("older-status");
  const list = byId("messages");
  const emptyHint = byId("empty-hint");
  const typingLine = byId("typing");
  const context = byId("compose-context");
  const contextText = byId("compose-context-text");
  const form = typedById("composer", HTMLFormElement);
  const input = typedById("composer-text", HTMLTextAreaElement);
  const sendBtn = typedById("send", HTMLButtonElement);
  const composerNote = byId("composer-note");

  /** @type {Map<string, { el: HTMLElement, version: string }>} */
  let rendered = new Map();
  /** @type {string | null} */
  let shownKey = null;
  /** @type {{ kind: "reply" | "edit", message: Message } | null} */
  let compose = null;

  const active = () => store.active;

  /** @param {{ kind: "reply" | "edit", message: Message } | null} next */
  function setCompose(next) {
    compose = next;
    context.hidden = !next;
    if (next?.kind === "reply") contextText.textContent = `Replying to ${next.message.sender.display_name}: ${next.message.text.slice(0, 80)}`;
    if (next?.kind === "edit") contextText.textContent = "Editing your message (Escape to cancel)";
    if (next?.kind === "edit") input.value = next.message.text;
    autoGrow();
    input.focus();
  }

  function autoGrow() {
    input.style.height = "auto";
    input.style.height = `${Math.min(input.scrollHeight, 160)}px`;
  }

  /** @param {Conversation} conv */
  function seenLabels(conv) {
    /** @type {Map<string, string>} */
    const labels = new Map();
    const me = store.state.me?.id;
    const own = conv.view.messages.filter((m) => m.sender.id === me && m.seq !== null && !m.deleted);
    for (let i = own.length - 1; i >= 0; i--) {
      const m = /** @type {Message} */ (own[i]);
      const readers = [...conv.readBy.values()].filter((s) => s >= /** @type {number} */ (m.seq)).length;
      if (readers === 0) continue;
      labels.set(m.id, conv.type === "group" ? `Seen by ${readers}` : "Seen");
      break;
    }
    return labels;
  }

  /** Why the composer is closed or limited here: a chat that ended, a blocked DM, a mute by a group's admin. @param {Conversation} conv */
  function renderComposerNote(conv) {
    const other = conv.type === "dm" ? conv.partner : null;
    const mutedUntil = conv.type === "group" && store.state.me ? d.safety.memberMutedUntil(conv.id, store.state.me.id) : null;
    const note = conv.closed
      ? "You broke up: this chat is read-only history."
      : other && d.safety.isBlocked(other.id)
        ? `You blocked ${other.display_name}. Unblock to write again.`
        : mutedUntil
          ? `A group admin muted you here until ${shortTime(mutedUntil)}: you can read but not post.`
          : "";
    composerNote.hidden = !note;
    composerNote.textContent = note;
    input.disabled = sendBtn.disabled = Boolean(conv.closed);
    input.placeholder = conv.mode === "incognito" ? "Incognito: delivered live, never saved" : PLACEHOLDER;
  }

  /** @param {Conversation} conv */
  function renderTyping(conv) {
    const names = conv.view.typingUsers.map((t) => (conv.partner?.id === t.user_id ? conv.partner.display_name : t.username));
    typingLine.textContent = names.length === 0 ? "" : names.length === 1 ? `${names[0]} is typing…` : `${names.join(", ")} are typing…`;
  }

  /**
   * The SDK's pending sends of this chat (those whose message the view holds are left out by
   * the SDK), then the sends refused for good.
   * @param {Conversation} conv @returns {PendingMessage[]}
   */
  function pendingOf(conv) {
    /** @type {"sending" | "waiting"} */
    const status = store.client?.connected(conv.ns) ? "sending" : "waiting";
    /** @param {{ client_message_id: string, payload: { [k: string]: unknown } }} e */
    const item = (e) => {
      const replyTo = conv.view.messages.find((m) => m.id === e.payload.reply_to_message_id);
      return { client_message_id: e.client_message_id, text: String(e.payload.text ?? ""), reply_preview: replyTo ? `${replyTo.sender.display_name}: ${replyTo.text.slice(0, 80)}` : null };
    };
    return [
      ...conv.view.pending.map((e) => ({ ...item(e), status })),
      ...[...conv.failed.values()].map((f) => ({ ...item(f), status: /** @type {const} */ ("failed"), error: f.error })),
    ];
  }

  /** @param {Conversation} conv */
  function renderList(conv) {
    const atBottom = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 60;
    const before = { height: scroller.scrollHeight, top: scroller.scrollTop, first: list.firstElementChild };
    const me = store.state.me?.id ?? "";
    const seen = seenLabels(conv);
    const manager = conv.type === "group" && d.safety.managesGroup(conv.id);
    /** @type {{ key: string, version: string, make: () => HTMLElement }[]} */
    const items = conv.view.messages.map((m) => {
      const ctx = {
        own: m.sender.id === me,
        showSender: conv.type === "group",
        readOnly: Boolean(conv.closed),
        myId: me,
        seen: seen.get(m.id) ?? null,
        onReply: (/** @type {Message} */ x) => setCompose({ kind: "reply", message: x }),
        onReact: (/** @type {Message} */ x, /** @type {string} */ emoji) => void messaging.react(conv, x.id, emoji),
        onEdit: (/** @type {Message} */ x) => setCompose({ kind: "edit", message: x }),
        onDelete: (/** @type {Message} */ x) => void messaging.remove(conv, x.id),
        blockedSender: conv.type === "group" && d.safety.isBlocked(m.sender.id),
        onReport: m.sender.id === me ? undefined : (/** @type {Message} */ x) => d.report({ type: "message", conversation_type: conv.type, conversation_id: conv.id, message_id: x.id }, `A message from ${x.sender.display_name}: “${x.text.slice(0, 80)}”`),
        onBlock: m.sender.id === me || conv.type === "couple" ? undefined : (/** @type {Message} */ x) => void d.safety.block(x.sender),
        moderation:
          manager && m.sender.id !== me
            ? {
                senderMuted: d.safety.memberMutedUntil(conv.id, m.sender.id) !== null,
                onBan: (/** @type {Message} */ x) => void d.safety.ban(conv.id, x.sender),
                onMute: (/** @type {Message} */ x, /** @type {number} */ hours) => void d.safety.muteMember(conv.id, x.sender, hours),
              }
            : undefined,
      };
      return { key: m.id, version: messageVersion(m, ctx), make: () => renderMessage(m, ctx) };
    });
    for (const p of pendingOf(conv)) {
      items.push({ key: `pending:${p.client_message_id}`, version: `${p.status}${p.error ?? ""}`, make: () => renderPending(p, { onRetry: () => messaging.retry(conv, p.client_message_id), onDiscard: () => messaging.discard(conv, p.client_message_id) }) });
    }

    /** @type {Map<string, { el: HTMLElement, version: string }>} */
    const next = new Map();
    items.forEach((item, i) => {
      let entry = rendered.get(item.key);
      if (!entry || entry.version !== item.version) {
        const el = item.make();
        // A keyboard user on this message's "React" button stays on it after a live update.
        const focused = entry?.el.contains(document.activeElement) ? document.activeElement?.getAttribute("title") : null;
        entry?.el.replaceWith(el);
        if (focused) /** @type {HTMLElement | null} */ (el.querySelector(`[title="${focused}"]`))?.focus();
        entry = { el, version: item.version };
      }
      next.set(item.key, entry);
      if (list.children[i] !== entry.el) list.insertBefore(entry.el, list.children[i] ?? null);
    });
    for (const [key, entry] of rendered) if (!next.has(key)) entry.el.remove();
    rendered = next;

    emptyHint.hidden = items.length > 0;
    emptyHint.textContent = "No messages yet. Say hi!";
    const { loaded, loading, hasOlder } = conv.view;
    olderStatus.textContent = loading && loaded ? "Loading older messages…" : loaded && !hasOlder && items.length ? "This is the beginning of the conversation." : "";

    if (atBottom || before.first === null) scroller.scrollTop = scroller.scrollHeight;
    else if (before.first !== list.firstElementChild) scroller.scrollTop = before.top + (scroller.scrollHeight - before.height); // older page prepended
    if (loaded && hasOlder && scroller.scrollHeight <= scroller.clientHeight) void messaging.loadOlder(conv);
  }

  function render() {
    const conv = active();
    document.documentElement.dataset.view = conv ? "conversation" : "list";
    input.disabled = sendBtn.disabled = !conv;
    if (!conv) {
      header.clear();
      composerNote.hidden = true;
      shownKey = null;
      rendered = new Map();
      list.replaceChildren();
      emptyHint.hidden = false;
      emptyHint.textContent = "Open a chat from the list to start talking.";
      olderStatus.textContent = "";
      typingLine.textContent = "";
      return;
    }
    if (conv.key !== shownKey) {
      shownKey = conv.key;
      rendered = new Map();
      list.replaceChildren();
      compose = null;
      context.hidden = true;
      input.value = "";
      header.closeMenu();
    }
    main.dataset.conversation = conv.key;
    header.render(conv);
    renderComposerNote(conv);
    renderList(conv);
    renderTyping(conv);
    messaging.markRead();
  }

  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const conv = active();
    const text = input.value.trim();
    if (!conv || !text) return;
    if (compose?.kind === "edit") {
      if (text !== compose.message.text) void messaging.edit(conv, compose.message.id, text);
    } else messaging.send(conv, text, compose?.kind === "reply" ? compose.message : null);
    input.value = "";
    autoGrow();
    setCompose(null);
  });
  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      form.requestSubmit();
    } else if (e.key === "Escape" && compose) {
      e.preventDefault();
      if (compose.kind === "edit") input.value = "";
      setCompose(null);
    } else if (e.key === "ArrowUp" && !input.value) {
      const conv = active();
      const me = store.state.me?.id;
      const last = conv ? conv.view.messages.filter((m) => m.sender.id === me && !m.deleted && m.seq !== null).at(-1) : undefined;
      if (last) {
        e.preventDefault();
        setCompose({ kind: "edit", message: last });
      }
    }
  });
  input.addEventListener("input", () => {
    autoGrow();
    const conv = active();
    if (conv) messaging.typing(conv, input.value.length > 0);
  });
  byId("compose-cancel").addEventListener("click", () => {
    if (compose?.kind === "edit") input.value = "";
    setCompose(null);
  });
  scroller.addEventListener("scroll", () => {
    const conv = active();
    if (conv && scroller.scrollTop < 80) void messaging.loadOlder(conv);
  });
  byId("back").addEventListener("click", () => {
    store.state.activeKey = null;
    store.notify("active");
  });
  // Typing indicators expire on their own (a closed tab never says stop).
  window.setInterval(() => {
    const conv = active();
    if (conv?.view.typing.length) renderTyping(conv);
  }, 1_000);

  return { render };
}
