// @ts-check
// Safety and account security (issue 15): blocking, breaking up, reports, and what the
// settings panel shows (sessions, password, audit). All REST; the live side is
// `partner_unlinked` (events.js) and `session_ended` (app.js). Errors keep the server's code,
// and `sentence()` turns the ones a user meets into plain words.

import { errorSentence } from "./errors.js";

/** @typedef {import("./store.js").Store} Store */
/** @typedef {import("./api.js").Api} Api */
/** @typedef {import("./types.js").UserCard} UserCard */
/** @typedef {import("./types.js").Conversation} Conversation */
/** @typedef {import("./types.js").Message} Message */

/** The server's report reasons (src/moderation/report.repository.ts), with a label each. */
export const REPORT_REASONS = /** @type {const} */ ([
  ["spam", "Spam"],
  ["harassment", "Harassment or bullying"],
  ["hate", "Hate"],
  ["sexual_content", "Sexual content"],
  ["violence", "Violence"],
  ["self_harm", "Self-harm"],
  ["impersonation", "Impersonation"],
  ["other", "Something else"],
]);

/**
 * @typedef {{ id: string, device: string | null, ip: string | null, created_at: string, last_used_at: string, expires_at: string, current: boolean }} SessionInfo
 * @typedef {{ id: string, type: string, at: string, [k: string]: unknown }} AuditEvent
 * @typedef {{ type: "message", conversation_id: string, message_id: string, conversation_type?: import("./types.js").ConversationType } | { type: "user", user_id: string }} ReportTarget
 */

/** @param {{ store: Store, api: Api, toast: (text: string) => void, reloadMe: () => Promise<void> }} d */
export function createSafety(d) {
  const { store, api } = d;
  const { state } = store;
  /** `<group_id>/<user_id>` → until when that member may not post (from group_member_muted and our own mutes). @type {Map<string, string>} */
  const memberMutes = new Map();
  /** @param {string} groupId */
  const groupPath = (groupId) => `/api/groups/${encodeURIComponent(groupId)}`;
  /** @param {string} groupId */
  const groupName = (groupId) => state.groups.find((g) => g.id === groupId)?.name ?? "a group";

  const self = {
    /** @param {string} userId */
    isBlocked: (userId) => (state.me?.blocked_user_ids ?? []).includes(userId),

    /** @returns {Promise<{ user: UserCard, created_at: string }[]>} */
    async blocks() {
      return (await api.get("/api/blocks")).blocks;
    },

    /** @param {UserCard} user */
    async block(user) {
      try {
        await api.post("/api/blocks", { user_id: user.id });
        d.toast(`You blocked ${user.display_name}.`);
        await d.reloadMe(); // blocked_user_ids; blocking your partner also breaks up
        store.notify("blocks");
      } catch (err) {
        d.toast(`Block: ${errorSentence(err)}`);
      }
    },

    /** @param {UserCard} user */
    async unblock(user) {
      try {
        await api.del(`/api/blocks/${encodeURIComponent(user.id)}`);
        d.toast(`You unblocked ${user.display_name}.`);
        await d.reloadMe();
        store.notify("blocks");
      } catch (err) {
        d.toast(`Unblock: ${errorSentence(err)}`);
      }
    },

    async breakUp() {
      try {
        await api.post("/api/partners/break-up");
        // The server also sends us partner_unlinked; its handler closes the chat.
      } catch (err) {
        d.toast(`Break up: ${errorSentence(err)}`);
      }
    },

    /** @param {ReportTarget} target @param {string} reason @param {string} note @returns {Promise<boolean>} */
    async report(target, reason, note) {
      try {
        await api.post("/api/reports", { target, reason, ...(note.trim() ? { note: note.trim() } : {}) });
        d.toast("Thanks, your report was sent.");
        return true;
      } catch (err) {
        d.toast(`Report: ${errorSentence(err)}`);
        return false;
      }
    },

    /** Whether I am the group's owner or an admin (they ban and mute members). @param {string} groupId */
    managesGroup(groupId) {
      const role = state.groups.find((g) => g.id === groupId)?.members.find((m) => m.user_id === state.me?.id)?.role;
      return role === "owner" || role === "admin";
    },
    /** @param {string} groupId @param {string} userId @returns {string | null} until when the member is muted */
    memberMutedUntil(groupId, userId) {
      const until = memberMutes.get(`${groupId}/${userId}`);
      return until && Date.parse(until) > Date.now() ? until : null;
    },
    /** @param {string} groupId @param {UserCard} user */
    async ban(groupId, user) {
      try {
        await api.post(`${groupPath(groupId)}/bans/${encodeURIComponent(user.id)}`);
        d.toast(`${user.display_name} is banned from ${groupName(groupId)}.`);
      } catch (err) {
        d.toast(`Ban: ${errorSentence(err)}`);
      }
    },
    /** @param {string} groupId @param {string} userId */
    unban: (groupId, userId) => api.del(`${groupPath(groupId)}/bans/${encodeURIComponent(userId)}`),
    /** @param {string} groupId @returns {Promise<{ user_id: string, created_at: string }[]>} */
    async bans(groupId) {
      return (await api.get(`${groupPath(groupId)}/bans`)).bans;
    },
    /** Mutes a member for `hours`, or lets them post again (hours 0). @param {string} groupId @param {UserCard} user @param {number} hours */
    async muteMember(groupId, user, hours) {
      try {
        const path = `${groupPath(groupId)}/members/${encodeURIComponent(user.id)}/mute`;
        const res = hours > 0 ? await api.put(path, { until: new Date(Date.now() + hours * 3_600_000).toISOString() }) : await api.del(path);
        self.memberMuted({ group_id: groupId, user_id: user.id, until: res.until });
        d.toast(hours > 0 ? `${user.display_name} can't post in ${groupName(groupId)} for ${hours} h.` : `${user.display_name} can post again.`);
      } catch (err) {
        d.toast(`Mute: ${errorSentence(err)}`);
      }
    },
    /** group_member_muted (live), or our own mute's answer. @param {{ group_id: string, user_id: string, until: string | null }} p */
    memberMuted(p) {
      const key = `${p.group_id}/${p.user_id}`;
      const was = memberMutes.get(key) ?? null;
      if (p.until) memberMutes.set(key, p.until);
      else memberMutes.delete(key);
      if (p.user_id === state.me?.id && was !== p.until) {
        d.toast(p.until ? `A group admin muted you in ${groupName(p.group_id)} until ${new Date(p.until).toLocaleString()}.` : `You can post in ${groupName(p.group_id)} again.`);
      }
      store.notify(`groups/${p.group_id}`);
    },
    /** group_member_banned / group_member_unbanned. @param {boolean} banned @param {{ group_id: string, user_id: string }} p */
    memberBanned(banned, p) {
      if (p.user_id === state.me?.id) d.toast(banned ? `You were banned from ${groupName(p.group_id)}.` : `Your ban from ${groupName(p.group_id)} was lifted.`);
      store.notify("bans");
    },

    /** @returns {Promise<SessionInfo[]>} */
    async sessions() {
      return (await api.get("/api/auth/sessions")).sessions;
    },
    /** @param {string} id */
    endSession: (id) => api.del(`/api/auth/sessions/${encodeURIComponent(id)}`),
    /** @returns {Promise<number>} */
    async endOthers() {
      return (await api.post("/api/auth/sessions/end-others")).sessions_ended;
    },
    /** @param {string} current @param {string} next */
    changePassword: (current, next) => api.post("/api/auth/password", { current_password: current, new_password: next }),
    /**
     * GET /api/users/me/export (a tar archive), saved through a download link.
     * @returns {Promise<string>} the file's name
     */
    async exportData() {
      const res = await api.download("/api/users/me/export");
      const name = /filename="([^"]+)"/.exec(res.headers.get("content-disposition") ?? "")?.[1] ?? "export.tar";
      const url = URL.createObjectURL(await res.blob());
      const a = document.createElement("a");
      a.href = url;
      a.download = name;
      document.body.append(a);
      a.click();
      a.remove();
      window.setTimeout(() => URL.revokeObjectURL(url), 60_000);
      return name;
    },
    /** True while our own account deletion is under way (its session_ended is expected). */
    deleting: false,
    /** DELETE /api/users/me with the password: every session of the account ends. @param {string} password */
    async deleteAccount(password) {
      self.deleting = true;
      try {
        await api.del("/api/users/me", { password });
      } catch (err) {
        self.deleting = false;
        throw err;
      }
    },
    /** @returns {Promise<AuditEvent[]>} newest first */
    async audit() {
      return (await api.get("/api/auth/audit")).events;
    },
  };
  return self;
}

/** @typedef {ReturnType<typeof createSafety>} Safety */
