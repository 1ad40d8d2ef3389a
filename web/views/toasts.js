// @ts-check
// Short notices (pings, errors) in a polite live region.

import { byId, h } from "./dom.js";

export function createToasts() {
  const box = byId("toasts");
  /** @param {string} text */
  return function toast(text) {
    const el = h("div", { class: "toast", text });
    box.append(el);
    window.setTimeout(() => el.remove(), 6_000);
  };
}
