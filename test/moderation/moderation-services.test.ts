// Reports, group moderation and suspension on the service tier (issue 15): real SQLite, a
// recording fan-out, no sockets or HTTP. Each rule once, with what it tells devices.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { NO_CLIENT } from "../../src/shared/client-info.ts";
import { newId } from "../../src/shared/ids.ts";
import { startServiceWorld, type Chat, type ServiceWorld, type WorldUser } from "../support/service-world.ts";

const OPERATOR = newId();
let w: ServiceWorld;
let owner: WorldUser, admin: WorldUser, member: WorldUser, other: WorldUser, outsider: WorldUser;
let group: Chat;

const g = () => group.id;
const m = () => w.services.moderation;
const op = { id: OPERATOR, operator: true };
const auditOf = async (userId: string): Promise<Record<string, string | number | boolean | null>[]> => (await w.storage.audit.ofUser(userId, null, 100)).map((e) => ({ ...e.data, type: e.type }));

before(async () => {
  w = await startServiceWorld({ env: { ADMIN_USER_IDS: OPERATOR } });
  await w.storage.users.create({ id: OPERATOR, phone: "+15550009999", username: "operator", display_name: "Operator", password_hash: "x", email: null });
  [owner, admin, member, other, outsider] = [await w.user(), await w.user(), await w.user(), await w.user(), await w.user()];
  group = await w.group(owner, [admin, member, other]);
  await w.services.groups.setRole(owner.id, g(), admin.id, "admin");
});
after(() => w.close());

describe("filing reports", () => {
  it("a member reports a group message: the report snapshots it; reporting again updates the open report", async () => {
    const { message } = await w.caller(member).send(group, "buy cheap pills");
    const target = { type: "message" as const, conversation_id: g(), message_id: message.id };
    const first = await m().reports.file(other.id, { target, reason: "spam" });
    assert.equal(first.created, true);
    assert.deepEqual(first.report.target, { type: "message", conversation_type: "group", conversation_id: g(), message_id: message.id, sender_id: member.id });
    assert.equal(first.report.message?.text, "buy cheap pills");
    assert.equal(first.report.status, "open");
    const again = await m().reports.file(other.id, { target, reason: "harassment", note: "and rude" });
    assert.deepEqual([again.created, again.report.id, again.report.reason, again.report.note], [false, first.report.id, "harassment", "and rude"]);
    // The sender deletes it: the report keeps what was said.
    await w.caller(member).remove(group, message.id);
    assert.equal((await m().reports.listForGroup(owner.id, g(), { limit: 10 })).reports.find((r) => r.id === first.report.id)?.message?.text, "buy cheap pills");
  });

  it("refuses what the reporter cannot see, their own message, a deleted message, themselves, an unknown user", async () => {
    const { message } = await w.caller(member).send(group, "hello");
    const msg = (over: Record<string, string> = {}) => ({ target: { type: "message" as const, conversation_id: g(), message_id: message.id, ...over }, reason: "spam" as const });
    await assert.rejects(m().reports.file(outsider.id, msg()), { code: "not_found" }, "a private group's outsider");
    await assert.rejects(m().reports.file(member.id, msg()), { code: "bad_request" }, "one's own message");
    await assert.rejects(m().reports.file(other.id, msg({ message_id: newId() })), { code: "not_found" });
    const gone = await w.caller(member).send(group, "soon gone");
    await w.caller(member).remove(group, gone.message.id);
    await assert.rejects(m().reports.file(other.id, msg({ message_id: gone.message.id })), { code: "conflict" });
    await assert.rejects(m().reports.file(other.id, { target: { type: "user", user_id: other.id }, reason: "other" }), { code: "bad_request" });
    await assert.rejects(m().reports.file(other.id, { target: { type: "user", user_id: newId() }, reason: "other" }), { code: "not_found" });
    const pub = await w.group(owner, [], { is_public: true });
    const said = await w.caller(owner).send(pub, "public words");
    await assert.rejects(m().reports.file(outsider.id, { target: { type: "message", conversation_id: pub.id, message_id: said.message.id }, reason: "spam" }), { code: "forbidden" }, "join to see");
  });

  it("tells a couple chat and a DM by their ids (or by conversation_type)", async () => {
    const { a, b, chat } = await w.couple();
    const said = await w.caller(b).send(chat, "mean words");
    const r1 = await m().reports.file(a.id, { target: { type: "message", conversation_id: chat.id, message_id: said.message.id }, reason: "harassment" });
    assert.deepEqual([r1.report.target.type === "message" && r1.report.target.conversation_type, r1.report.target.type === "message" && r1.report.target.sender_id], ["couple", b.id]);
    const dm = w.dm(member, other);
    const dmSaid = await w.caller(member).send(dm, "dm spam");
    const r2 = await m().reports.file(other.id, { target: { type: "message", conversation_type: "dm", conversation_id: dm.id, message_id: dmSaid.message.id }, reason: "spam" });
    assert.equal(r2.report.target.type === "message" && r2.report.target.conversation_type, "dm");
    await assert.rejects(m().reports.file(outsider.id, { target: { type: "message", conversation_id: dm.id, message_id: dmSaid.message.id }, reason: "spam" }), { code: "forbidden" });
  });
});

describe("who sees and resolves reports", () => {
  it("a group's managers list only their group's reports; members and outsiders are refused; operators see all", async () => {
    const second = await w.group(other, [member]);
    const said = await w.caller(member).send(second, "elsewhere");
    const there = await m().reports.file(other.id, { target: { type: "message", conversation_id: second.id, message_id: said.message.id }, reason: "spam" });
    const ours = (await m().reports.listForGroup(admin.id, g(), { limit: 100 })).reports;
    assert.ok(ours.length > 0 && ours.every((r) => r.target.type === "message" && r.target.conversation_id === g()));
    assert.ok(!ours.some((r) => r.id === there.report.id));
    await assert.rejects(m().reports.listForGroup(member.id, g(), { limit: 10 }), { code: "forbidden" });
    await assert.rejects(m().reports.listForGroup(outsider.id, g(), { limit: 10 }), { code: "not_found" });
    await assert.rejects(m().reports.resolveInGroup(owner.id, g(), there.report.id, { action: "dismiss" }), { code: "not_found" }, "another group's report");
    await assert.rejects(m().reports.listAll(owner.id, { limit: 10 }), { code: "forbidden" });
    const all = await m().reports.listAll(OPERATOR, { limit: 100 });
    assert.ok(all.reports.some((r) => r.id === there.report.id) && all.reports.some((r) => r.id === ours[0]!.id));
    const open = await m().reports.listAll(OPERATOR, { status: "open", limit: 100 });
    assert.ok(open.reports.every((r) => r.status === "open"));
    // Pages: newest first, next_before goes on.
    const page1 = await m().reports.listAll(OPERATOR, { limit: 1 });
    const page2 = await m().reports.listAll(OPERATOR, { limit: 1, before: page1.next_before! });
    assert.ok(page2.reports[0]!.id < page1.reports[0]!.id);
  });

  it("dismiss resolves without acting; resolving again is a conflict", async () => {
    const said = await w.caller(member).send(group, "harmless");
    const { report } = await m().reports.file(other.id, { target: { type: "message", conversation_id: g(), message_id: said.message.id }, reason: "other" });
    w.fanout.clear();
    const done = await m().reports.resolveInGroup(admin.id, g(), report.id, { action: "dismiss", note: "fine" });
    assert.deepEqual([done.status, done.resolution?.action, done.resolution?.by, done.resolution?.note], ["resolved", "dismiss", admin.id, "fine"]);
    assert.deepEqual(w.fanout.events(), [], "nothing happened to anyone");
    await assert.rejects(m().reports.resolveInGroup(owner.id, g(), report.id, { action: "delete_message" }), { code: "conflict" });
    assert.equal((await w.caller(member).ref(group)).publicId, g(), "the sender is still in");
  });

  it("delete_message deletes it through the normal path: every device is told", async () => {
    const said = await w.caller(member).send(group, "delete me");
    const { report } = await m().reports.file(other.id, { target: { type: "message", conversation_id: g(), message_id: said.message.id }, reason: "hate" });
    w.fanout.clear();
    await m().reports.resolveInGroup(admin.id, g(), report.id, { action: "delete_message" });
    const [deleted] = w.fanout.emitted("message_deleted", { room: `conv:${g()}` });
    assert.equal(deleted?.payload.message.id, said.message.id);
    assert.equal(deleted?.payload.message.deleted, true);
    assert.equal((await w.caller(owner).perform({ access: "read" }, group, ({ ref }) => w.services.messages.byId(ref, said.message.id))).deleted, true);
  });

  it("an operator deletes a reported DM message without being in the DM", async () => {
    const dm = w.dm(admin, outsider);
    const said = await w.caller(outsider).send(dm, "dm abuse");
    const { report } = await m().reports.file(admin.id, { target: { type: "message", conversation_id: dm.id, message_id: said.message.id }, reason: "harassment" });
    w.fanout.clear();
    await assert.rejects(m().reports.resolveAsOperator(admin.id, report.id, { action: "delete_message" }), { code: "forbidden" }, "not an operator");
    await assert.rejects(m().reports.resolveAsOperator(OPERATOR, report.id, { action: "ban_from_group" }), { code: "bad_request" }, "not a group");
    await m().reports.resolveAsOperator(OPERATOR, report.id, { action: "delete_message" });
    const [deleted] = w.fanout.emitted("message_deleted");
    assert.deepEqual(deleted?.rooms.sort(), [`user:${admin.id}`, `user:${outsider.id}`].sort(), "both members' devices");
  });

  it("remove_from_group and ban_from_group take the sender out (banned: for good); an admin cannot act on an admin", async () => {
    const [x, y] = [await w.user(), await w.user()];
    await w.services.groups.addMember(owner.id, g(), x.id, "member");
    await w.services.groups.addMember(owner.id, g(), y.id, "member");
    const file = async (u: WorldUser, text: string) => {
      const said = await w.caller(u).send(group, text);
      return (await m().reports.file(other.id, { target: { type: "message", conversation_id: g(), message_id: said.message.id }, reason: "spam" })).report;
    };
    const rx = await file(x, "x spam");
    w.fanout.clear();
    await m().reports.resolveInGroup(admin.id, g(), rx.id, { action: "remove_from_group" });
    assert.equal(w.fanout.emitted("group_member_removed")[0]?.payload.user_id, x.id);
    assert.deepEqual(await w.services.groups.groupIdsOf(x.id), []);
    await w.services.groups.addMember(owner.id, g(), x.id, "member"); // removed, not banned: may come back

    const ry = await file(y, "y spam");
    w.fanout.clear();
    const resolved = await m().reports.resolveInGroup(owner.id, g(), ry.id, { action: "ban_from_group", note: "repeat spammer" });
    assert.equal(resolved.resolution?.action, "ban_from_group");
    // unread_update: the group's count leaves the banned member's total.
    assert.deepEqual(w.fanout.events(), ["group_member_removed", "unread_update", "group_member_banned"]);
    assert.ok(w.fanout.emitted("group_member_banned")[0]?.rooms.includes(`user:${y.id}`), "the banned user is told");
    await assert.rejects(w.services.groups.addMember(owner.id, g(), y.id, "member"), { code: "banned_from_group" });
    assert.equal((await m().groups.bans(op, g())).bans.find((b) => b.user_id === y.id)?.reason, "repeat spammer");

    // An admin's message: another admin may not take them out (the report stays open); the owner may.
    const admin3 = await w.user();
    await w.services.groups.addMember(owner.id, g(), admin3.id, "admin");
    const ra = await file(admin3, "admin spam");
    await assert.rejects(m().reports.resolveInGroup(admin.id, g(), ra.id, { action: "ban_from_group" }), { code: "forbidden" });
    assert.equal((await m().reports.resolveInGroup(owner.id, g(), ra.id, { action: "remove_from_group" })).status, "resolved");
    assert.deepEqual(await w.services.groups.groupIdsOf(admin3.id), []);
  });

  it("suspend_account is for operators: a group admin is refused, an operator suspends the sender", async () => {
    const z = await w.user();
    await w.services.groups.addMember(owner.id, g(), z.id, "member");
    const said = await w.caller(z).send(group, "scam link");
    const { report } = await m().reports.file(other.id, { target: { type: "message", conversation_id: g(), message_id: said.message.id }, reason: "spam" });
    await assert.rejects(m().reports.resolveInGroup(owner.id, g(), report.id, { action: "suspend_account" }), { code: "forbidden" });
    await assert.rejects(m().reports.resolveAsOperator(OPERATOR, report.id, { action: "dismiss", until: new Date(Date.now() + 60_000).toISOString() }), { code: "validation_error" });
    const until = new Date(Date.now() + 3600_000);
    const done = await m().reports.resolveAsOperator(OPERATOR, report.id, { action: "suspend_account", until: until.toISOString() });
    assert.equal(done.resolution?.action, "suspend_account");
    const stored = await w.storage.users.byId(z.id);
    assert.deepEqual([stored?.suspended_until?.toISOString(), stored?.suspension_reason], [until.toISOString(), "Reported for spam"]);
  });

  it("user reports: only dismiss or suspend_account fit", async () => {
    const { report } = await m().reports.file(other.id, { target: { type: "user", user_id: outsider.id }, reason: "impersonation" });
    for (const action of ["delete_message", "remove_from_group", "ban_from_group"] as const) {
      await assert.rejects(m().reports.resolveAsOperator(OPERATOR, report.id, { action }), { code: "bad_request" }, action);
    }
    assert.equal((await m().reports.resolveAsOperator(OPERATOR, report.id, { action: "dismiss" })).status, "resolved");
  });
});

describe("group bans and mutes", () => {
  it("who may ban whom: not yourself, not the owner, an admin only by the owner; plain members and outsiders are refused", async () => {
    await assert.rejects(m().groups.ban({ id: admin.id }, g(), admin.id), { code: "bad_request" });
    await assert.rejects(m().groups.ban({ id: admin.id }, g(), owner.id), { code: "bad_request" });
    const admin2 = await w.user();
    await w.services.groups.addMember(owner.id, g(), admin2.id, "admin");
    await assert.rejects(m().groups.ban({ id: admin.id }, g(), admin2.id), { code: "forbidden" });
    await assert.rejects(m().groups.ban({ id: member.id }, g(), other.id), { code: "forbidden" });
    await assert.rejects(m().groups.ban({ id: outsider.id }, g(), other.id), { code: "not_found" });
    await assert.rejects(m().groups.bans({ id: member.id }, g()), { code: "forbidden" });
    await assert.rejects(m().groups.ban({ id: owner.id }, g(), newId()), { code: "not_found" }, "no such user");
  });

  it("a banned user cannot join a public group until unbanned; a ban of a non-member holds too", async () => {
    const pub = await w.group(owner, [], { is_public: true });
    const [joiner, stranger] = [await w.user(), await w.user()];
    await w.services.groups.join(joiner.id, pub.id);
    w.fanout.clear();
    const ban = await m().groups.ban({ id: owner.id }, pub.id, joiner.id);
    assert.deepEqual([ban.user_id, ban.banned_by], [joiner.id, owner.id]);
    assert.deepEqual(w.fanout.leaves(`conv:${pub.id}`).map((l) => l.members), [[`user:${joiner.id}`]]);
    await assert.rejects(w.services.groups.join(joiner.id, pub.id), { code: "banned_from_group" });
    await m().groups.ban({ id: owner.id }, pub.id, stranger.id);
    await assert.rejects(w.services.groups.join(stranger.id, pub.id), { code: "banned_from_group" });
    assert.deepEqual((await m().groups.bans({ id: owner.id }, pub.id)).bans.map((b) => b.user_id).sort(), [stranger.id, joiner.id].sort());
    w.fanout.clear();
    await m().groups.unban({ id: owner.id }, pub.id, joiner.id);
    assert.deepEqual(w.fanout.events(), ["group_member_unbanned"]);
    await assert.rejects(m().groups.unban({ id: owner.id }, pub.id, joiner.id), { code: "not_found" });
    assert.ok((await w.services.groups.join(joiner.id, pub.id)).members.some((x) => x.user_id === joiner.id));
  });

  it("a muted member reads but cannot post until lifted; leaving and joining again does not lift it", async () => {
    const pub = await w.group(owner, [], { is_public: true });
    const loud = await w.user();
    await w.services.groups.join(loud.id, pub.id);
    const until = new Date(Date.now() + 3600_000);
    w.fanout.clear();
    assert.deepEqual(await m().groups.mute({ id: owner.id }, pub.id, loud.id, until), { group_id: pub.id, user_id: loud.id, until: until.toISOString() });
    assert.deepEqual(w.fanout.emitted("group_member_muted", { room: `conv:${pub.id}` }).map((e) => e.payload.until), [until.toISOString()]);
    await assert.rejects(w.caller(loud).send(pub, "let me speak"), (e: { code?: string; details?: { until?: string } }) => e.code === "muted_in_group" && e.details?.until === until.toISOString());
    assert.ok(Array.isArray(await w.caller(loud).perform({ access: "read" }, pub, ({ ref }) => w.services.messages.latest(ref, 10))), "still reads");
    await w.services.groups.removeMember(loud.id, pub.id, loud.id);
    await w.services.groups.join(loud.id, pub.id);
    await assert.rejects(w.caller(loud).send(pub, "again"), { code: "muted_in_group" });
    await assert.rejects(m().groups.mute({ id: owner.id }, pub.id, loud.id, new Date(Date.now() - 1000)), { code: "validation_error" });
    await assert.rejects(m().groups.mute({ id: owner.id }, pub.id, outsider.id, until), { code: "not_found" }, "not a member");
    w.fanout.clear();
    assert.equal((await m().groups.unmute({ id: owner.id }, pub.id, loud.id)).until, null);
    assert.deepEqual(w.fanout.emitted("group_member_muted").map((e) => e.payload.until), [null]);
    assert.equal((await w.caller(loud).send(pub, "thanks")).message.text, "thanks");
  });

  it("a mute that has run out no longer refuses", async () => {
    const quiet = await w.user();
    await w.services.groups.addMember(owner.id, g(), quiet.id, "member");
    await w.storage.groupSanctions.blockPosting({ group_id: g(), user_id: quiet.id, until: new Date(Date.now() - 1), blocked_by: owner.id, created_at: new Date() });
    assert.equal((await w.caller(quiet).send(group, "free again")).message.text, "free again");
  });

  it("deleting a group drops its bans: a new group under the same id starts with none", async () => {
    const banned = await w.user();
    const { group: made } = await w.services.groups.upsert(owner.id, { group_id: "reused-id", name: "First", is_public: true, member_ids: [] });
    await m().groups.ban({ id: owner.id }, made.id, banned.id);
    await w.services.groups.remove(owner.id, made.id);
    await w.services.groups.upsert(other.id, { group_id: "reused-id", name: "Second", is_public: true, member_ids: [] });
    assert.ok((await w.services.groups.join(banned.id, "reused-id")).members.some((x) => x.user_id === banned.id));
  });
});

describe("suspension", () => {
  it("ends every session at once, refuses login and refresh with until, and the handshake facts learn it; lifting restores", async () => {
    const phone = "+15550001234";
    const reg = await w.services.auth.register({ phone, password: "correct horse battery", display_name: "Suspect" });
    const second = await w.services.auth.login({ username: phone, password: "correct horse battery" }, NO_CLIENT);
    const id = reg.user.id;
    assert.equal((await w.services.userFacts.get(id))?.suspendedUntil ?? null, null);
    w.fanout.clear();
    const until = new Date(Date.now() + 86_400_000);
    await assert.rejects(w.services.moderation.suspensions.suspend(owner.id, id, { until, reason: "x" }), { code: "forbidden" }, "only operators");
    const state = await w.services.moderation.suspensions.suspend(OPERATOR, id, { until, reason: "fraud" });
    assert.deepEqual(state, { user_id: id, suspended: true, until: until.toISOString(), reason: "fraud" });
    assert.equal(w.fanout.disconnects().length, 2, "both sessions' sockets were ended");
    assert.ok(w.fanout.disconnects().every((c) => c.event === "session_ended"));
    const sessions = await w.storage.sessions.sessionsOf(id);
    assert.ok(sessions.every((s) => s.revoked_at && s.revoked_reason === "suspension"));
    assert.equal((await w.services.userFacts.get(id))?.suspendedUntil, until.getTime());

    const refused = (e: { code?: string; details?: { until?: string | null } }) => e.code === "account_suspended" && e.details?.until === until.toISOString();
    await assert.rejects(w.services.auth.login({ username: phone, password: "correct horse battery" }, NO_CLIENT), refused);
    await assert.rejects(w.services.auth.refresh(second.refresh_token), refused);
    await assert.rejects(w.services.auth.login({ username: phone, password: "wrong password!" }, NO_CLIENT), { code: "invalid_credentials" }, "a wrong password learns nothing");

    assert.deepEqual(await w.services.moderation.suspensions.lift(OPERATOR, id), { user_id: id, suspended: false, until: null, reason: null });
    assert.equal((await w.services.userFacts.get(id))?.suspendedUntil ?? null, null);
    assert.ok((await w.services.auth.login({ username: phone, password: "correct horse battery" }, NO_CLIENT)).access_token);
    const audit = await auditOf(id);
    assert.ok(audit.some((e) => e.type === "suspension" && e.action === "suspended" && e.by === "operator"));
    assert.ok(audit.some((e) => e.type === "suspension" && e.action === "lifted"));
    assert.ok((await auditOf(OPERATOR)).some((e) => e.type === "moderation_action" && e.action === "suspended" && e.subject === id), "the operator's own log names who they suspended");
  });

  it("indefinitely: until null; an operator cannot suspend themselves; an unknown user is 404; a past until is refused", async () => {
    const u = await w.user();
    const s = await w.services.moderation.suspensions.suspend(OPERATOR, u.id, { reason: "spam wave" });
    assert.deepEqual([s.suspended, s.until], [true, null]);
    await assert.rejects(w.services.auth.login({ username: u.phone, password: u.password }, NO_CLIENT), (e: { code?: string; details?: { until?: unknown } }) => e.code === "account_suspended" && e.details?.until === null);
    await assert.rejects(w.services.moderation.suspensions.suspend(OPERATOR, OPERATOR, { reason: "x" }), { code: "bad_request" });
    await assert.rejects(w.services.moderation.suspensions.suspend(OPERATOR, newId(), { reason: "x" }), { code: "not_found" });
    await assert.rejects(w.services.moderation.suspensions.suspend(OPERATOR, u.id, { reason: "x", until: new Date(Date.now() - 1) }), { code: "validation_error" });
  });

  it("a suspension that has run out lets the user in again without being lifted", async () => {
    const u = await w.user();
    await w.storage.users.setSuspension(u.id, { until: new Date(Date.now() - 1), reason: "over" });
    assert.ok((await w.services.auth.login({ username: u.phone, password: u.password }, NO_CLIENT)).access_token);
  });
});

describe("the audit log", () => {
  it("records each group moderation action in the subject's log and the actor's", async () => {
    const target = await w.user();
    await w.services.groups.addMember(owner.id, g(), target.id, "member");
    await m().groups.mute({ id: admin.id }, g(), target.id, new Date(Date.now() + 60_000));
    await m().groups.unmute({ id: admin.id }, g(), target.id);
    await m().groups.ban({ id: admin.id }, g(), target.id);
    await m().groups.unban({ id: owner.id }, g(), target.id);
    const mine = (await auditOf(target.id)).filter((e) => e.type === "moderation_action").map((e) => [e.action, e.by]);
    assert.deepEqual(mine.reverse(), [["group_mute", admin.id], ["group_unmute", admin.id], ["group_ban", admin.id], ["group_unban", owner.id]]);
    assert.ok((await auditOf(admin.id)).some((e) => e.action === "group_ban" && e.subject === target.id && e.as === "group_admin"));
  });
});
