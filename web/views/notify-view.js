// @ts-check
// The "Notify me" button in the profile panel and its status line: turns push notifications
// on for this browser (permission, service worker, subscription, server) or off again, and
// says in words why it could not (web/push.js).

import { byId, typedById } from "./dom.js";

/** @typedef {import("../push.js").Push} Push */
/** @typedef {import("../push.js").PushStatus} PushStatus */

const LABEL = { on: "🔕 Turn off notifications", off: "🔔 Notify me", unsupported: "🔔 Notify me" };

/** @param {{ push: Push }} d */
export function createNotifyView(d) {
  const button = typedById("push-toggle", HTMLButtonElement);
  const status = byId("push-status");
  /** @type {PushStatus["state"]} */
  let state = "off";

  /** @param {PushStatus} s */
  function show(s) {
    state = s.state;
    button.textContent = LABEL[s.state];
    button.dataset.state = s.state;
    button.disabled = s.state === "unsupported";
    button.setAttribute("aria-pressed", String(s.state === "on"));
    status.textContent = s.message;
  }

  /** @param {() => Promise<PushStatus>} step @param {string} busy what to say meanwhile */
  async function run(step, busy) {
    button.disabled = true;
    button.dataset.state = "busy";
    status.textContent = busy;
    try {
      show(await step());
    } catch (err) {
      show({ state, message: `Notifications: ${err instanceof Error ? err.message : String(err)}` });
    }
  }

  button.addEventListener("click", () => {
    if (state === "on") void run(() => d.push.disable(), "Turning notifications off…");
    else void run(() => d.push.enable(), "Turning notifications on…");
  });

  return {
    /** Reads where this browser stands (after a login). */
    refresh: () => run(() => d.push.status(), ""),
  };
}
