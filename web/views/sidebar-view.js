// @ts-check
// The sidebar: my profile and avatar, my partner (or partner requests), past couple chats
// (closed by a break-up: read-only history), looking people up, groups and DM threads,
// each conversation with its unread count (a distinct mark when it mentions me; quieter when
// muted). Forms are static in index.html; only the lists are re-rendered, so typing in a box
// is never interrupted by a live update.

import { conversationKey, dmIdOf } from "../store.js";
import { isMuted, muteLabel } from "../unread.js";
import { avatar, byId, fillAvatar, h, shortTime, typedById } from "./dom.js";

/** @typedef {import("../store.js").Store} Store */
/** @typedef {import("../directory.js").Directory} Directory */
/** @typedef {import("../types.js").UserCard} UserCard */

/** @typedef {import("../types.js").Namespace} Namespace */

/** @param {{ store: Store, directory: Directory, pastChats: import("../past-chats.js").PastChats, unread: import("../unread.js").Unread, readingKey: () => string | null }} d */
export function createSidebarView(d) {
  const { store, directory } = d;
  const { state } = store;
  const partnerBox = byId("partner-box");
  const pastPanel = byId("past-panel");
  const pastList = byId("past-list");
  const groupList = byId("group-list");
  const dmList = byId("dm-list");
  const lookupResult = byId("lookup-result");
  const lookupInput = typedById("lookup-input", HTMLInputElement);
  const avatarInput = typedById("avatar-input", HTMLInputElement);
  const avatarStatus = byId("avatar-status");

  /** @param {string} key */
  const current = (key) => (state.activeKey === key ? "true" : false);

  /**
   * A conversation's marks: muted (🔕), mentioned (@) and the unread count, quieter when muted.
   * @param {Namespace} ns @param {string} id @returns {(HTMLElement | null)[]}
   */
  function marks(ns, id) {
    const u = d.unread.shown(ns, id, d.readingKey());
    const muted = isMuted(u);
    return [
      muted ? h("span", { class: "muted-mark", title: muteLabel(u, shortTime) ?? "Muted", role: "img", "aria-label": "muted", text: "🔕" }) : null,
      u.mentioned ? h("span", { class: "badge mention", title: "You were mentioned", role: "img", "aria-label": "mentioned you", text: "@" }) : null,
      u.unread_count ? h("span", { class: `badge count${muted ? " quiet" : ""}`, role: "img", "aria-label": `${u.unread_count} unread`, "data-unread": u.unread_count, text: String(u.unread_count) }) : null,
    ];
  }
  /** @param {Namespace} ns @param {string} id */
  const mutedAttr = (ns, id) => (isMuted(d.unread.of(ns, id)) ? "true" : false);

  function renderMe() {
    const me = state.me;
    if (!me) return;
    fillAvatar(byId("me-avatar"), me);
    byId("me-display").textContent = me.display_name;
    byId("me-username").textContent = `@${me.username}`;
    byId("me-name").textContent = me.display_name;
  }

  function renderPartner() {
    const p = state.partner;
    if (p && state.coupleChatId) {
      const online = store.client?.presence(p.id)?.status === "online";
      const key = conversationKey("couples", state.coupleChatId);
      partnerBox.replaceChildren(
        h(
          "button",
          { type: "button", class: "item", id: "open-couple", "data-muted": mutedAttr("couples", state.coupleChatId), "aria-current": current(key), onclick: () => void directory.openCouple() },
          avatar(p),
          h("span", { class: "item-main" }, h("span", { class: "strong", text: p.display_name }), h("span", { class: "muted small", text: p.mood ? `mood: ${p.mood}` : `@${p.username}` })),
          ...marks("couples", state.coupleChatId),
          h("span", { class: `dot${online ? " online" : ""}`, title: online ? "online" : "offline", "aria-label": online ? "online" : "offline" }),
        ),
      );
      return;
    }
    const { incoming, outgoing } = state.requests;
    partnerBox.replaceChildren(
      ...incoming.map((r) =>
        h(
          "div",
          { class: "request", "data-request": r.id },
          h("span", {}, h("strong", { text: r.sender.display_name }), " wants to be your partner"),
          h("span", { class: "row" }, h("button", { type: "button", class: "primary small", onclick: () => void directory.respond(r.id, "accept") }, "Accept"), h("button", { type: "button", class: "small", onclick: () => void directory.respond(r.id, "reject") }, "Decline")),
        ),
      ),
      ...outgoing.map((r) => h("p", { class: "muted small" }, "Waiting for ", h("strong", { text: r.recipient.display_name }), " to answer…")),
    );
    if (incoming.length + outgoing.length === 0) partnerBox.append(h("p", { class: "muted small", text: "No partner yet. Find someone below and send a partner request." }));
  }

  /** The former partner's name and the last message's time; hidden while there are none. */
  function renderPast() {
    pastPanel.hidden = state.pastChats.length === 0;
    pastList.replaceChildren(
      ...state.pastChats.map((c) => {
        const name = c.with?.display_name ?? "Former partner";
        return h(
          "li",
          {},
          h(
            "button",
            { type: "button", class: "item", "data-past-chat": c.id, "data-muted": mutedAttr("couples", c.id), "aria-current": current(conversationKey("couples", c.id)), onclick: () => void d.pastChats.open(c.id) },
            avatar(c.with ?? { display_name: name }),
            h("span", { class: "item-main" }, h("span", { class: "strong", text: name }), h("span", { class: "muted small", text: c.last_message_at ? `last message ${shortTime(c.last_message_at)}` : "no messages" })),
            ...marks("couples", c.id),
          ),
        );
      }),
    );
  }

  function renderGroups() {
    groupList.replaceChildren(
      ...state.groups.map((g) =>
        h(
          "li",
          {},
          g.is_member === false
            ? h("div", { class: "item" }, h("span", { class: "item-main" }, h("span", { class: "strong", text: g.name }), h("span", { class: "muted small", text: "public group" })), h("button", { type: "button", class: "small", onclick: () => void directory.joinGroup(g.id) }, "Join"))
            : h(
                "button",
                { type: "button", class: "item", "data-group": g.id, "data-muted": mutedAttr("groups", g.id), "aria-current": current(conversationKey("groups", g.id)), onclick: () => void directory.openGroup(g.id) },
                h("span", { class: "item-main" }, h("span", { class: "strong", text: g.name }), h("span", { class: "muted small", text: `${g.members.length} members${g.is_public ? "" : " · private"}` })),
                ...marks("groups", g.id),
              ),
        ),
      ),
    );
    if (state.groups.length === 0) groupList.append(h("li", { class: "muted small", text: "No groups yet." }));
  }

  function renderThreads() {
    const me = state.me;
    dmList.replaceChildren(
      ...state.threads.map((t) => {
        const other = t.with;
        if (!other || !me) return h("li");
        return h(
          "li",
          {},
          h(
            "button",
            { type: "button", class: "item", "data-dm": t.dm_id, "data-muted": mutedAttr("dm", t.dm_id), "aria-current": current(conversationKey("dm", dmIdOf(me.username, other.username))), onclick: () => void directory.openDm(other) },
            avatar(other),
            h("span", { class: "item-main" }, h("span", { class: "strong", text: other.display_name }), h("span", { class: "muted small ellipsis", text: t.latest ? (t.latest.deleted ? "deleted message" : t.latest.text) : "" })),
            ...marks("dm", t.dm_id),
          ),
        );
      }),
    );
    if (state.threads.length === 0) dmList.append(h("li", { class: "muted small", text: "No conversations yet. Find someone to message." }));
  }

  /** @param {UserCard} user */
  function showLookup(user) {
    const me = state.me;
    const self = user.id === me?.id;
    lookupResult.replaceChildren(
      h(
        "div",
        { class: "item", "data-user": user.username },
        avatar(user),
        h("span", { class: "item-main" }, h("span", { class: "strong", text: user.display_name }), h("span", { class: "muted small", text: `@${user.username}` })),
        self ? h("span", { class: "muted small", text: "that's you" }) : h("button", { type: "button", class: "small", onclick: () => void directory.openDm(user) }, "Message"),
        !self && !me?.partner_id ? h("button", { type: "button", class: "small", onclick: () => void directory.requestPartner(user.id) }, "Partner request") : null,
      ),
    );
  }

  typedById("lookup-form", HTMLFormElement).addEventListener("submit", async (e) => {
    e.preventDefault();
    lookupResult.textContent = "Searching…";
    try {
      const user = await directory.lookup(lookupInput.value);
      if (user) showLookup(user);
      else lookupResult.replaceChildren(h("p", { class: "muted small", text: "No user with that username or phone." }));
    } catch (err) {
      lookupResult.replaceChildren(h("p", { class: "error small", text: err instanceof Error ? err.message : String(err) }));
    }
  });

  typedById("group-form", HTMLFormElement).addEventListener("submit", (e) => {
    e.preventDefault();
    const name = typedById("group-name", HTMLInputElement);
    void directory.createGroup(name.value.trim(), typedById("group-public", HTMLInputElement).checked).then(() => {
      name.value = "";
    });
  });

  avatarInput.addEventListener("change", async () => {
    const file = avatarInput.files?.[0];
    if (!file) return;
    avatarStatus.textContent = "Uploading…";
    const result = await directory.uploadAvatar(file);
    avatarInput.value = "";
    avatarStatus.textContent = result === "ok" ? "Avatar updated." : result === "unavailable" ? "Avatar upload is not available on this server." : "";
    if (result === "unavailable") byId("avatar-label").hidden = true;
  });

  return {
    render() {
      renderMe();
      renderPartner();
      renderPast();
      renderGroups();
      renderThreads();
    },
  };
}
