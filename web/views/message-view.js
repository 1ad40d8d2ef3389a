// @ts-check
// One message (or one pending message) as a list item. The conversation view calls this
// again only for messages whose content changed, so focus elsewhere is not disturbed.

import { avatar, h, shortTime } from "./dom.js";

/** @typedef {import("../types.js").Message} Message */
/**
 * A send not acknowledged yet (the SDK's outbox: waiting for the connection, or sent and
 * waiting for its ack), or refused for good (kept by the app for Retry or Discard).
 * @typedef {{ client_message_id: string, text: string, reply_preview: string | null, status: "sending" | "waiting" | "failed", error?: string }} PendingMessage
 */

export const REACTIONS = ["❤️", "😂", "👍", "😮", "😢", "🔥"];
const CONFIRM_MS = 4_000;
/** Message id → when its "Delete?" confirmation expires; kept outside the element, which a live update may rebuild. */
const deleteArmedUntil = new Map();

/**
 * @typedef {{
 *   own: boolean,
 *   showSender: boolean,
 *   myId: string,
 *   seen: string | null,
 *   onReply(m: Message): void,
 *   onReact(m: Message, emoji: string): void,
 *   onEdit(m: Message): void,
 *   onDelete(m: Message): void,
 *   readOnly?: boolean,
 *   blockedSender?: boolean,
 *   onReport?(m: Message): void,
 *   onBlock?(m: Message): void,
 *   moderation?: { senderMuted: boolean, onBan(m: Message): void, onMute(m: Message, hours: number): void },
 * }} MessageContext
 * `readOnly`: a couple chat closed by a break-up: no reply, reaction or edit (the server refuses
 *   them); deleting one's own message and reporting stay.
 * `blockedSender`: the sender is someone I blocked (a group we share): shown as a stub.
 * `onReport`, `onBlock`: offered on other people's messages when set.
 * `moderation`: set in a group I own or administer, on other people's messages: ban or mute the sender.
 */

/** A signature of everything the rendering depends on: re-render only when it changes. @param {Message} m @param {MessageContext} ctx */
export function messageVersion(m, ctx) {
  return JSON.stringify([m.text, m.edited, m.deleted, m.reactions, m.reply_to?.message_id, ctx.seen, ctx.showSender, m.sender.avatar_url, mentionsMe(m, ctx), Boolean(ctx.readOnly), Boolean(ctx.blockedSender), ctx.moderation?.senderMuted ?? null]);
}

/** Whether the message names me with an @username (groups; an edit may add or drop it). @param {Message} m @param {MessageContext} ctx */
const mentionsMe = (m, ctx) => !ctx.own && !m.deleted && (m.mentions ?? []).includes(ctx.myId);

/** @param {Message} m @param {MessageContext} ctx */
export function renderMessage(m, ctx) {
  if (ctx.blockedSender && !ctx.own) {
    // Nothing of it shows, not even the name: unblocking (settings) brings it back.
    return h("li", { class: "msg other hidden-blocked", "data-id": m.id, "data-seq": m.seq ?? "", "data-cmid": m.client_message_id }, h("div", { class: "bubble" }, h("p", { class: "text muted", text: "Hidden: blocked user" })));
  }
  const mention = mentionsMe(m, ctx);
  const li = h("li", {
    class: `msg ${ctx.own ? "own" : "other"}${m.deleted ? " deleted" : ""}${m.seq === null ? " incognito" : ""}${m.mode === "fight" ? " fight" : ""}${mention ? " mention" : ""}`,
    "data-id": m.id,
    "data-seq": m.seq ?? "",
    "data-cmid": m.client_message_id,
  });
  if (!ctx.own) li.append(avatar(m.sender, "avatar avatar-sm"));
  if (m.sender.bubble_color && !m.deleted) li.style.setProperty("--bubble", m.sender.bubble_color);

  const bubble = h("div", { class: "bubble" });
  if (ctx.showSender && !ctx.own) bubble.append(h("div", { class: "sender", text: m.sender.display_name }, mention ? h("span", { class: "mention-tag", text: " · mentioned you" }) : null));
  if (m.reply_to) {
    bubble.append(h("blockquote", { class: "reply-quote" }, h("strong", { text: `${m.reply_to.sender.display_name}: ` }), m.reply_to.text || `[${m.reply_to.kind ?? "message"}]`));
  }
  if (m.deleted) bubble.append(h("p", { class: "text deleted-text", text: "This message was deleted" }));
  else {
    bubble.append(...attachment(m));
    if (m.text) bubble.append(h("p", { class: "text", text: m.text }));
  }
  bubble.append(
    h(
      "div",
      { class: "meta" },
      h("time", { datetime: m.created_at, text: shortTime(m.created_at) }),
      m.edited && !m.deleted ? h("span", { class: "edited", title: m.last_edited_at ? `edited ${shortTime(m.last_edited_at)}` : "edited", text: "edited" }) : null,
      m.seq === null ? h("span", { class: "badge", title: "Incognito: not saved", text: "incognito" }) : null,
      ctx.seen ? h("span", { class: "seen", text: ctx.seen }) : null,
    ),
  );
  li.append(bubble);

  if (!m.deleted) {
    const chips = Object.entries(summary(m.reactions)).map(([emoji, count]) => {
      const mine = m.reactions[ctx.myId]?.emoji === emoji;
      return h("li", {}, h("button", { type: "button", class: `chip${mine ? " mine" : ""}`, disabled: Boolean(ctx.readOnly), "aria-pressed": String(mine), "aria-label": `${emoji} ${count}${mine ? ", yours" : ""}`, onclick: () => ctx.onReact(m, emoji) }, `${emoji} ${count}`));
    });
    if (chips.length) li.append(h("ul", { class: "reactions", "aria-label": "Reactions" }, ...chips));
    if (m.seq !== null) li.append(actions(m, ctx));
  }
  return li;
}

/** @param {Message} m @returns {HTMLElement[]} */
function attachment(m) {
  if (m.sticker) return [h("img", { class: "sticker", src: m.sticker.url, alt: "sticker" })];
  if (!m.media) return [];
  if (m.media.type === "image") return [h("img", { class: "media", src: m.media.preview ?? m.media.original, alt: "image", loading: "lazy" })];
  return [h("a", { class: "media-link", href: m.media.original, target: "_blank", rel: "noopener", text: `📎 ${m.media.type}` })];
}

/** @param {Message["reactions"]} reactions */
function summary(reactions) {
  /** @type {Record<string, number>} */
  const out = {};
  for (const r of Object.values(reactions)) out[r.emoji] = (out[r.emoji] ?? 0) + 1;
  return out;
}

/** @param {Message} m @param {MessageContext} ctx */
function actions(m, ctx) {
  const palette = h(
    "div",
    { class: "palette", hidden: true, role: "group", "aria-label": "Pick a reaction" },
    ...REACTIONS.map((emoji) =>
      h("button", { type: "button", class: "ghost", "aria-label": `React with ${emoji}`, onclick: () => {
        palette.hidden = true;
        reactBtn.setAttribute("aria-expanded", "false");
        ctx.onReact(m, emoji);
      } }, emoji),
    ),
  );
  const reactBtn = h("button", { type: "button", class: "ghost", "aria-expanded": "false", "aria-label": "React", title: "React", onclick: () => {
    palette.hidden = !palette.hidden;
    reactBtn.setAttribute("aria-expanded", String(!palette.hidden));
    if (!palette.hidden) /** @type {HTMLElement | null} */ (palette.querySelector("button"))?.focus();
  } }, "☺ React");
  const buttons = ctx.readOnly ? [] : [h("button", { type: "button", class: "ghost", title: "Reply", onclick: () => ctx.onReply(m) }, "↩ Reply"), reactBtn];
  if (ctx.own) {
    if (!ctx.readOnly) buttons.push(h("button", { type: "button", class: "ghost", title: "Edit", onclick: () => ctx.onEdit(m) }, "✎ Edit"));
    // Two steps instead of confirm(): a dialog would block the page (and automated tests).
    const armed = () => (deleteArmedUntil.get(m.id) ?? 0) > Date.now();
    const del = h("button", { type: "button", class: "ghost danger", title: "Delete", "data-armed": armed() ? "1" : false, onclick: () => {
      if (armed()) {
        deleteArmedUntil.delete(m.id);
        return ctx.onDelete(m);
      }
      deleteArmedUntil.set(m.id, Date.now() + CONFIRM_MS);
      del.dataset.armed = "1";
      del.textContent = "Delete?";
      window.setTimeout(() => {
        delete del.dataset.armed;
        del.textContent = "🗑 Delete";
      }, CONFIRM_MS);
    } }, armed() ? "Delete?" : "🗑 Delete");
    buttons.push(del);
  } else {
    if (ctx.onReport) buttons.push(h("button", { type: "button", class: "ghost", title: "Report", onclick: () => ctx.onReport?.(m) }, "⚑ Report"));
    if (ctx.onBlock) buttons.push(h("button", { type: "button", class: "ghost danger", title: "Block sender", onclick: () => ctx.onBlock?.(m) }, "🚫 Block"));
    const mod = ctx.moderation;
    if (mod) {
      buttons.push(
        mod.senderMuted
          ? h("button", { type: "button", class: "ghost", title: "Let the sender post again", onclick: () => mod.onMute(m, 0) }, "🔊 Unmute sender")
          : h("button", { type: "button", class: "ghost", title: "Mute the sender for 1 hour", onclick: () => mod.onMute(m, 1) }, "🔇 Mute 1 h"),
        h("button", { type: "button", class: "ghost danger", title: "Ban the sender from the group", onclick: () => mod.onBan(m) }, "⛔ Ban"),
      );
    }
  }
  return h("div", { class: "actions" }, h("div", { class: "action-row", role: "group", "aria-label": "Message actions" }, ...buttons), palette);
}

/** @param {PendingMessage} p @param {{ onRetry(): void, onDiscard(): void }} ctx */
export function renderPending(p, ctx) {
  const status = p.status === "failed" ? `Not sent: ${p.error ?? "refused"}` : p.status === "sending" ? "Sending…" : "Waiting for the connection…";
  return h(
    "li",
    { class: `msg own pending ${p.status}`, "data-cmid": p.client_message_id, "data-status": p.status },
    h(
      "div",
      { class: "bubble" },
      p.reply_preview ? h("blockquote", { class: "reply-quote", text: p.reply_preview }) : null,
      h("p", { class: "text", text: p.text }),
      h(
        "div",
        { class: "meta" },
        h("span", { text: status }),
        p.status === "failed" ? h("button", { type: "button", class: "ghost small", onclick: ctx.onRetry }, "Retry") : null,
        p.status === "failed" ? h("button", { type: "button", class: "ghost small", onclick: ctx.onDiscard }, "Discard") : null,
      ),
    ),
  );
}
