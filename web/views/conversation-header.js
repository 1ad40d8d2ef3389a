// @ts-check
// The open conversation's header: its title, presence or member count, the couple chat's
// mode and ping, the mute menu, and the safety actions (block and report in a DM, break up
// in an open couple chat, bans and reports for a group's managers). The message list and
// the composer are conversation-view.js.

import { isMuted, muteLabel } from "../unread.js";
import { byId, shortTime, typedById } from "./dom.js";

/** @typedef {import("../types.js").Conversation} Conversation */
/** @typedef {import("../types.js").ChatMode} ChatMode */

/**
 * @param {{
 *   store: import("../store.js").Store,
 *   messaging: import("../messaging.js").Messaging,
 *   unread: import("../unread.js").Unread,
 *   mute: (conv: Conversation, choice: "8h" | "forever" | "off") => Promise<void>,
 *   safety: import("../safety.js").Safety,
 *   report: (target: import("../safety.js").ReportTarget, description: string) => void,
 *   bans: (groupId: string) => void,
 *   reports: (groupId: string, name: string) => void,
 * }} d
 */
export function createConversationHeader(d) {
  const { store } = d;
  const main = byId("conversation");
  const title = byId("conv-title");
  const subtitle = byId("conv-subtitle");
  const actions = byId("conv-actions");
  const modeSelect = typedById("chat-mode", HTMLSelectElement);
  const ping = byId("ping");
  const muteBox = byId("conv-mute");
  const muteButton = byId("mute-button");
  const muteMenu = byId("mute-menu");
  const unmute = byId("unmute");
  const safetyBox = byId("conv-safety");
  const blockBtn = byId("block-user");
  const breakUpBtn = byId("break-up");
  const bansBtn = byId("group-bans");
  const reportsBtn = byId("group-reports");
  /** When the "Break up?" confirmation expires (a second click within it breaks up). */
  let breakUpArmedUntil = 0;

  const active = () => store.active;

  /** Block/report in a DM, break up in an open couple chat, bans and reports for a group's managers. @param {Conversation} conv */
  function renderSafety(conv) {
    const other = conv.type === "dm" ? conv.partner : null;
    safetyBox.hidden = !other;
    if (other) {
      const blocked = d.safety.isBlocked(other.id);
      blockBtn.textContent = blocked ? "Unblock" : "🚫 Block";
      blockBtn.dataset.blocked = String(blocked);
    }
    breakUpBtn.hidden = conv.type !== "couple" || Boolean(conv.closed);
    reportsBtn.hidden = bansBtn.hidden = !(conv.type === "group" && d.safety.managesGroup(conv.id));
    if (conv.type === "couple" && conv.closed) actions.hidden = true;
  }

  /** The mute button says the state ("🔔 Mute", "🔕 Muted until 18:30"); its menu offers the changes. @param {Conversation} conv */
  function renderMute(conv) {
    const u = d.unread.of(conv.ns, conv.id);
    const label = muteLabel(u, shortTime);
    muteBox.hidden = false;
    muteButton.textContent = label ? `🔕 ${label}` : "🔔 Mute";
    muteButton.dataset.muted = String(isMuted(u));
    muteButton.title = label ? "Notifications for this conversation are muted" : "Mute notifications for this conversation";
    unmute.hidden = !label;
  }

  /** @param {boolean} open */
  function toggleMuteMenu(open) {
    muteMenu.hidden = !open;
    muteButton.setAttribute("aria-expanded", String(open));
    if (open) /** @type {HTMLElement | null} */ (muteMenu.querySelector("button:not([hidden])"))?.focus();
  }

  modeSelect.addEventListener("change", () => {
    const conv = active();
    if (conv) void d.messaging.changeMode(conv, /** @type {ChatMode} */ (modeSelect.value));
  });
  ping.addEventListener("click", () => {
    const conv = active();
    if (conv?.partner) void d.messaging.ping(conv, conv.partner.id);
  });
  muteButton.addEventListener("click", () => toggleMuteMenu(muteMenu.hidden));
  blockBtn.addEventListener("click", () => {
    const other = active()?.partner;
    if (!other) return;
    void (d.safety.isBlocked(other.id) ? d.safety.unblock(other) : d.safety.block(other));
  });
  bansBtn.addEventListener("click", () => {
    const conv = active();
    if (conv?.type === "group") d.bans(conv.id);
  });
  reportsBtn.addEventListener("click", () => {
    const conv = active();
    if (conv?.type === "group") d.reports(conv.id, conv.title);
  });
  byId("report-user").addEventListener("click", () => {
    const other = active()?.partner;
    if (other) d.report({ type: "user", user_id: other.id }, `${other.display_name} (@${other.username})`);
  });
  // Two steps instead of confirm(), like Delete: "Break up" then "Really break up?".
  breakUpBtn.addEventListener("click", () => {
    if (breakUpArmedUntil > Date.now()) {
      breakUpArmedUntil = 0;
      breakUpBtn.textContent = "Break up";
      return void d.safety.breakUp();
    }
    breakUpArmedUntil = Date.now() + 5_000;
    breakUpBtn.textContent = "Really break up?";
    window.setTimeout(() => {
      if (breakUpArmedUntil > Date.now()) return;
      breakUpArmedUntil = 0;
      breakUpBtn.textContent = "Break up";
    }, 5_100);
  });
  for (const [id, choice] of /** @type {const} */ ([["mute-8h", "8h"], ["mute-forever", "forever"], ["unmute", "off"]])) {
    byId(id).addEventListener("click", () => {
      const conv = active();
      toggleMuteMenu(false);
      muteButton.focus();
      if (conv) void d.mute(conv, choice);
    });
  }
  muteMenu.addEventListener("keydown", (e) => {
    if (e.key !== "Escape") return;
    toggleMuteMenu(false);
    muteButton.focus();
  });
  document.addEventListener("click", (e) => {
    if (!muteMenu.hidden && e.target instanceof Node && !muteBox.contains(e.target)) toggleMuteMenu(false);
  });

  return {
    /** @param {Conversation} conv */
    render(conv) {
      title.textContent = conv.title;
      main.dataset.mode = conv.mode ?? "normal";
      actions.hidden = conv.type !== "couple";
      if (conv.type === "couple") modeSelect.value = conv.mode ?? "normal";
      ping.hidden = conv.type !== "couple";
      if (conv.type === "group") subtitle.textContent = `${conv.view.memberCount ?? "?"} members`;
      else if (conv.partner) {
        const p = store.client?.presence(conv.partner.id);
        // A former partner's presence is no longer ours to show (a closed chat).
        const where = conv.type === "couple" && !conv.closed && p ? (p.status === "online" ? "● online" : p.last_seen ? `last seen ${shortTime(p.last_seen)}` : "offline") : `@${conv.partner.username}`;
        subtitle.textContent = conv.partner.mood ? `${where} · mood: ${conv.partner.mood}` : where;
        subtitle.dataset.presence = p?.status ?? "";
      } else subtitle.textContent = "";
      renderMute(conv);
      renderSafety(conv);
    },
    /** No conversation open. */
    clear() {
      safetyBox.hidden = true;
      reportsBtn.hidden = bansBtn.hidden = true;
      title.textContent = "Pick a conversation";
      subtitle.textContent = "";
      actions.hidden = true;
      muteBox.hidden = true;
      toggleMuteMenu(false);
    },
    /** Another conversation opened: its mute menu starts closed. */
    closeMenu: () => toggleMuteMenu(false),
  };
}
