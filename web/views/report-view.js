// @ts-check
// The report dialog: a reason from the server's list and an optional note, for a message
// (its actions menu) or a user (a DM's header).

import { REPORT_REASONS } from "../safety.js";
import { byId, h, typedById } from "./dom.js";

/** @typedef {import("../safety.js").Safety} Safety */
/** @typedef {import("../safety.js").ReportTarget} ReportTarget */

/** @param {{ safety: Safety }} d */
export function createReportView(d) {
  const dialog = typedById("report-dialog", HTMLDialogElement);
  const form = typedById("report-form", HTMLFormElement);
  const what = byId("report-what");
  const reason = typedById("report-reason", HTMLSelectElement);
  const note = typedById("report-note", HTMLTextAreaElement);
  reason.replaceChildren(h("option", { value: "", text: "Pick a reason…" }), ...REPORT_REASONS.map(([value, label]) => h("option", { value, text: label })));
  /** @type {ReportTarget | null} */
  let target = null;

  form.addEventListener("submit", (e) => {
    e.preventDefault();
    if (!target || !reason.value) return;
    const t = target;
    void d.safety.report(t, reason.value, note.value).then((ok) => {
      if (ok) dialog.close();
    });
  });
  byId("report-cancel").addEventListener("click", () => dialog.close());

  return {
    /** @param {ReportTarget} t @param {string} description what is reported, in words */
    open(t, description) {
      target = t;
      form.reset();
      what.textContent = description;
      dialog.showModal();
      reason.focus();
    },
  };
}
