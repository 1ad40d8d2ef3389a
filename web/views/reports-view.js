// @ts-check
// The report queue (issue 15): a group's open reports for its owner and admins (⚑ Reports in
// the group's header), or every open report for an operator (Settings → Moderation queue,
// shown when /api/users/me says `is_operator`). Each report shows the message as it was
// when reported, and the actions the server offers: dismiss, delete the message, remove or
// ban its sender from the group; operators can also suspend the account.

import { REPORT_REASONS } from "../safety.js";
import { errorSentence } from "../errors.js";
import { byId, h, shortTime, typedById } from "./dom.js";

/** @typedef {import("../api.js").Api} Api */
/** @typedef {{ kind: "group", groupId: string, name: string } | { kind: "operator" }} Queue */
/**
 * @typedef {{ id: string, reason: string, note: string | null, reporter_id: string, created_at: string,
 *   target: { type: "message", conversation_type: string, conversation_id: string, message_id: string, sender_id: string } | { type: "user", user_id: string },
 *   message: { sender: { display_name: string }, text: string, kind: string } | null }} Report
 */

/** @type {Map<string, string>} */
const REASON_LABELS = new Map(REPORT_REASONS);

/** Actions per queue and target, with their button labels. @param {Queue} q @param {Report} r */
function actionsFor(q, r) {
  /** @type {[string, string][]} */
  const actions = [["dismiss", "Dismiss"]];
  if (r.target.type === "message") actions.push(["delete_message", "Delete message"]);
  if (r.target.type === "message" && r.target.conversation_type === "group") actions.push(["remove_from_group", "Remove"], ["ban_from_group", "Ban"]);
  if (q.kind === "operator") actions.push(["suspend_account", "Suspend account"]);
  return actions;
}

/** @param {{ api: Api }} d */
export function createReportsView(d) {
  const dialog = typedById("reports-dialog", HTMLDialogElement);
  const title = byId("reports-title");
  const list = byId("report-list");
  const status = byId("reports-status");
  /** @type {Queue | null} */
  let queue = null;

  /** @param {Queue} q */
  const basePath = (q) => (q.kind === "group" ? `/api/groups/${encodeURIComponent(q.groupId)}/reports` : "/api/admin/reports");

  /** @param {Queue} q @param {Report} r @param {string} action */
  async function resolve(q, r, action) {
    try {
      await d.api.post(`${basePath(q)}/${encodeURIComponent(r.id)}/resolve`, { action });
      status.textContent = "Done.";
      await load();
    } catch (err) {
      status.textContent = errorSentence(err);
    }
  }

  /** @param {Queue} q @param {Report} r */
  function item(q, r) {
    const what = r.message
      ? h("span", { class: "report-quote", text: `${r.message.sender.display_name}: ${r.message.text || `(${r.message.kind})`}` })
      : h("span", { class: "muted small", text: r.target.type === "user" ? `User ${r.target.user_id}` : "The message is gone" });
    return h(
      "li",
      { class: "item report", "data-report": r.id },
      h(
        "span",
        { class: "item-main" },
        h("span", { class: "strong", text: REASON_LABELS.get(r.reason) ?? r.reason }),
        what,
        r.note ? h("span", { class: "small", text: `“${r.note}”` }) : null,
        h("span", { class: "muted small", text: `reported ${shortTime(r.created_at)}` }),
      ),
      h("span", { class: "report-actions" }, ...actionsFor(q, r).map(([action, label]) => h("button", { type: "button", class: `small${action === "dismiss" ? "" : " danger"}`, "data-action": action, onclick: () => void resolve(q, r, action) }, label))),
    );
  }

  async function load() {
    const q = queue;
    if (!q) return;
    try {
      /** @type {{ reports: Report[] }} */
      const page = await d.api.get(`${basePath(q)}?status=open&limit=50`);
      if (queue !== q) return;
      list.replaceChildren(...page.reports.map((r) => item(q, r)));
      if (page.reports.length === 0) list.append(h("li", { class: "muted small", text: "No open reports." }));
    } catch (err) {
      status.textContent = errorSentence(err);
    }
  }

  byId("reports-close").addEventListener("click", () => dialog.close());
  return {
    /** @param {Queue} q */
    open(q) {
      queue = q;
      title.textContent = q.kind === "group" ? `Reports about ${q.name}` : "Moderation queue (all reports)";
      status.textContent = "";
      list.replaceChildren();
      dialog.showModal();
      void load();
    },
    /** A report was filed about a group whose queue may be open. @param {string} groupId */
    refresh(groupId) {
      if (dialog.open && (queue?.kind === "operator" || (queue?.kind === "group" && queue.groupId === groupId))) void load();
    },
    close: () => dialog.close(),
  };
}

/** @typedef {ReturnType<typeof createReportsView>} ReportsView */
