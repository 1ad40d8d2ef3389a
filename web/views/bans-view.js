// @ts-check
// A group's bans, for its owner and admins (⛔ Bans in the group's header): who, since when,
// and Unban. Names come from the messages the client holds (the ban list carries ids only).

import { errorSentence } from "../errors.js";
import { byId, h, shortTime, typedById } from "./dom.js";

/** @typedef {import("../safety.js").Safety} Safety */
/** @typedef {import("../store.js").Store} Store */

/** @param {{ safety: Safety, store: Store }} d */
export function createBansView(d) {
  const dialog = typedById("bans-dialog", HTMLDialogElement);
  const list = byId("ban-list");
  const status = byId("bans-status");
  /** @type {string | null} */
  let groupId = null;

  /** A display name for a user id, from the messages of the group we hold. @param {string} id @param {string} userId */
  function nameOf(id, userId) {
    const conv = d.store.find("groups", id);
    for (const m of conv?.view.messages ?? []) if (m.sender.id === userId) return m.sender.display_name;
    return userId;
  }

  async function load() {
    const id = groupId;
    if (!id) return;
    try {
      const bans = await d.safety.bans(id);
      list.replaceChildren(
        ...bans.map((b) =>
          h(
            "li",
            { class: "item", "data-user": b.user_id },
            h("span", { class: "item-main" }, h("span", { class: "strong", text: nameOf(id, b.user_id) }), h("span", { class: "muted small", text: `since ${shortTime(b.created_at)}` })),
            h("button", { type: "button", class: "small", onclick: () => void d.safety.unban(id, b.user_id).then(load, (err) => (status.textContent = errorSentence(err))) }, "Unban"),
          ),
        ),
      );
      if (bans.length === 0) list.append(h("li", { class: "muted small", text: "Nobody is banned." }));
    } catch (err) {
      status.textContent = errorSentence(err);
    }
  }

  byId("bans-close").addEventListener("click", () => dialog.close());
  return {
    /** @param {string} id */
    open(id) {
      groupId = id;
      status.textContent = "";
      list.replaceChildren();
      dialog.showModal();
      void load();
    },
    refresh() {
      if (dialog.open) void load();
    },
    close: () => dialog.close(),
  };
}
