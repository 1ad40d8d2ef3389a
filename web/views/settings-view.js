// @ts-check
// The settings dialog (issue 15): where you are logged in (end one session, or all the
// others), change the password, the users you blocked (unblock), and the security activity
// (the audit log, newest first). Everything is read again each time the dialog opens.

import { errorSentence } from "../errors.js";
import { byId, h, shortTime, typedById } from "./dom.js";

/** @typedef {import("../safety.js").Safety} Safety */
/** @typedef {import("../safety.js").SessionInfo} SessionInfo */

/** What each audit event type reads as. @type {Record<string, string>} */
const AUDIT_LABELS = {
  login: "Logged in",
  login_failures: "Several failed logins",
  refresh_token_reuse: "An old session token was reused (that session was ended)",
  password_changed: "Password changed",
  session_ended: "A session was ended",
  account_deleted: "Account deleted",
  moderation_action: "A moderator acted",
  suspension: "Account suspended",
};

/** @param {{ safety: Safety, onDeleted: () => void, operatorQueue: { isOperator(): boolean, open(): void } }} d */
export function createSettingsView(d) {
  const { safety } = d;
  const dialog = typedById("settings-dialog", HTMLDialogElement);
  const status = byId("settings-status");
  const sessionList = byId("session-list");
  const blockedList = byId("blocked-list");
  const auditList = byId("audit-list");
  const passwordForm = typedById("password-form", HTMLFormElement);
  const current = typedById("password-current", HTMLInputElement);
  const next = typedById("password-new", HTMLInputElement);

  /** @param {string} text @param {boolean} [error] */
  function say(text, error = false) {
    status.textContent = text;
    status.className = `small${error ? " error" : ""}`;
  }

  /** @param {SessionInfo} s */
  function sessionItem(s) {
    return h(
      "li",
      { class: "item session", "data-session": s.id, "data-current": String(s.current) },
      h(
        "span",
        { class: "item-main" },
        h("span", { class: "strong", text: `${s.device ?? "Unknown device"}${s.current ? " (this device)" : ""}` }),
        h("span", { class: "muted small", text: `${s.ip ?? "unknown address"} · last used ${shortTime(s.last_used_at)}` }),
      ),
      s.current ? null : h("button", { type: "button", class: "small", onclick: () => void run(async () => {
        await safety.endSession(s.id);
        say("That session was ended.");
      }) }, "End"),
    );
  }

  async function loadSessions() {
    const sessions = await safety.sessions();
    sessions.sort((a, b) => Number(b.current) - Number(a.current) || b.last_used_at.localeCompare(a.last_used_at));
    sessionList.replaceChildren(...sessions.map(sessionItem));
  }

  async function loadBlocks() {
    const blocks = await safety.blocks();
    blockedList.replaceChildren(
      ...blocks.map((b) =>
        h(
          "li",
          { class: "item", "data-user": b.user.id },
          h("span", { class: "item-main" }, h("span", { class: "strong", text: b.user.display_name }), h("span", { class: "muted small", text: `@${b.user.username} · since ${shortTime(b.created_at)}` })),
          h("button", { type: "button", class: "small", onclick: () => void run(() => safety.unblock(b.user)) }, "Unblock"),
        ),
      ),
    );
    if (blocks.length === 0) blockedList.append(h("li", { class: "muted small", text: "You haven't blocked anyone." }));
  }

  async function loadAudit() {
    const events = await safety.audit();
    auditList.replaceChildren(
      ...events.map((e) =>
        h("li", { class: "small", "data-type": e.type }, h("time", { datetime: e.at, text: shortTime(e.at) }), ` ${AUDIT_LABELS[e.type] ?? e.type}`, typeof e.ip === "string" ? h("span", { class: "muted", text: ` · ${e.ip}` }) : null),
      ),
    );
  }

  const reload = () => Promise.all([loadSessions(), loadBlocks(), loadAudit()]);

  /** Runs an action, then reloads the lists; failures are said in the status line. @param {() => Promise<unknown>} fn */
  async function run(fn) {
    try {
      await fn();
    } catch (err) {
      say(errorSentence(err), true);
    }
    await reload().catch((err) => say(errorSentence(err), true));
  }

  const operatorSection = byId("operator-section");
  byId("open-moderation-queue").addEventListener("click", () => {
    dialog.close();
    d.operatorQueue.open();
  });

  byId("settings-open").addEventListener("click", () => {
    say("");
    dialog.showModal();
    void reload().catch((err) => say(errorSentence(err), true));
    operatorSection.hidden = !d.operatorQueue.isOperator();
  });
  byId("settings-close").addEventListener("click", () => dialog.close());
  byId("end-others").addEventListener("click", () => void run(async () => {
    const n = await safety.endOthers();
    say(n === 1 ? "1 other session was ended." : `${n} other sessions were ended.`);
  }));
  passwordForm.addEventListener("submit", (e) => {
    e.preventDefault();
    void run(async () => {
      const res = await safety.changePassword(current.value, next.value);
      passwordForm.reset();
      say(`Password changed. ${res.sessions_ended === 1 ? "1 other session was" : `${res.sessions_ended} other sessions were`} logged out.`);
    });
  });

  const exportBtn = typedById("export-data", HTMLButtonElement);
  exportBtn.addEventListener("click", () => {
    exportBtn.disabled = true;
    say("Preparing your archive…");
    void safety
      .exportData()
      .then(
        (name) => say(`Downloaded ${name}.`),
        (err) => say(errorSentence(err), true),
      )
      .finally(() => (exportBtn.disabled = false));
  });

  const deleteForm = typedById("delete-form", HTMLFormElement);
  const deletePassword = typedById("delete-password", HTMLInputElement);
  deleteForm.addEventListener("submit", (e) => {
    e.preventDefault();
    void safety.deleteAccount(deletePassword.value).then(
      () => {
        deleteForm.reset();
        dialog.close();
        d.onDeleted();
      },
      (err) => say(errorSentence(err), true),
    );
  });

  return {
    /** The blocked list changed elsewhere (a block from a conversation): redraw it if shown. */
    blocksChanged() {
      if (dialog.open) void loadBlocks().catch(() => {});
    },
    close: () => dialog.close(),
  };
}
