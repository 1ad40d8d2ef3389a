// @ts-check
// The app's side of the server's events. The SDK has already applied what it owns (messages
// deduped and ordered, unread counts, typing, presence, group sizes) and calls these listeners
// once per event, whether it came live, replayed by Socket.IO recovery, or from /api/events/sync.
// Every rule here is idempotent too, so an event seen twice changes nothing.

/** @typedef {import("./store.js").Store} Store */
/** @typedef {import("./sdk.js").ChatClient} ChatClient */
/** @typedef {import("./types.js").UserCard} UserCard */

/**
 * @typedef {{
 *   toast(text: string): void,
 *   threadsChanged(): void,
 *   requestsChanged(): void,
 *   partnerLinked(partner: UserCard, chatId: string | null): void,
 *   partnerUnlinked(p: { partner_id: string, chat_id: string | null, ended_by: string }): void,
 *   leftGroup(groupId: string): void,
 *   memberMuted(p: { group_id: string, user_id: string, until: string | null }): void,
 *   memberBanned(banned: boolean, p: { group_id: string, user_id: string }): void,
 *   reportFiled(groupId: string): void,
 * }} EventHooks
 */

/** @param {ChatClient} client @param {Store} store @param {EventHooks} hooks */
export function listen(client, store, hooks) {
  const { state } = store;
  const sidebar = () => store.notify("sidebar");

  client.on("message", (m, { ns, change, via }) => {
    // A big group's count changes with its messages (no unread_update comes): the lists show it.
    if (ns === "groups" && (change === "new" || change === "deleted")) sidebar();
    if (change !== "new" || (via !== "live" && via !== "sync")) return;
    // A DM the lists do not show yet (a new thread), and each thread's latest message.
    if (ns === "dm" && !store.find(ns, m.conversation_id)?.view.loaded) hooks.threadsChanged();
  });
  client.on("read_receipt", (p, { ns }) => {
    const conv = store.find(ns, p.conversation_id);
    if (!conv) return;
    if (p.user_id === state.me?.id) conv.myReadSeq = Math.max(conv.myReadSeq, p.seq);
    else conv.readBy.set(p.user_id, Math.max(conv.readBy.get(p.user_id) ?? 0, p.seq));
    store.notify(conv.key);
  });
  client.on("user_presence_update", () => store.notify("presence"));
  client.on("unread_update", sidebar);
  client.on("chat_mode_changed", (p, { ns }) => {
    const conv = store.find(ns, p.conversation_id);
    if (conv) conv.mode = p.mode;
    store.notify(conv?.key ?? "sidebar");
  });
  client.on("thinking_of_you_received", (p) => {
    const at = new Date(p.at).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
    hooks.toast(`💭 ${p.from.display_name} is thinking of you (${at})`);
  });
  client.on("user_profile_update", ({ user }) => {
    if (state.partner?.id === user.id) state.partner = { ...state.partner, ...user };
    for (const conv of state.conversations.values()) if (conv.partner?.id === user.id) conv.partner = { ...conv.partner, ...user };
    for (const past of state.pastChats) if (past.with?.id === user.id) past.with = { ...past.with, ...user };
    sidebar();
  });
  client.on("partner_request", () => hooks.requestsChanged());
  client.on("partner_linked", (p) => hooks.partnerLinked(p.partner, p.chat_id));
  client.on("partner_unlinked", (p) => {
    // The couple chat stays readable, but nobody can write in it any more.
    const conv = p.chat_id ? store.find("couples", p.chat_id) : undefined;
    if (conv) conv.closed = true;
    hooks.partnerUnlinked(p);
    sidebar();
  });
  client.on("group_member_muted", (p) => hooks.memberMuted(p));
  client.on("group_member_banned", (p) => hooks.memberBanned(true, p));
  client.on("group_member_unbanned", (p) => hooks.memberBanned(false, p));
  client.on("group_report_filed", (p) => hooks.reportFiled(p.group_id));
  client.on("group_updated", ({ group }) => {
    const is_member = group.members.some((m) => m.user_id === state.me?.id);
    const i = state.groups.findIndex((g) => g.id === group.id);
    const next = { ...state.groups[i], ...group, is_member };
    if (i >= 0) state.groups[i] = next;
    else state.groups.unshift(next);
    const conv = store.find("groups", group.id);
    if (conv) conv.title = group.name;
    sidebar();
  });
  client.on("group_member_removed", (p) => {
    if (p.user_id === state.me?.id) hooks.leftGroup(p.group_id);
  });
  client.on("group_deleted", (p) => hooks.leftGroup(p.group_id));
  client.on("error", (e) => {
    if ("source" in e) hooks.toast(`Server: ${e.message}`);
    else console.warn("chat client:", e.code, e.message); // a background catch-up step; the SDK retries
  });
}
