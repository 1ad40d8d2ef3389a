// Reports over REST, their resolution, and what each action does to connected devices
// (issue 15). A group's owner and admins see and resolve the reports about their group's
// messages; operators (ADMIN_USER_IDS) every report; anyone else is refused.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { nextEvent } from "../support/clients.ts";
import { closeAll, connectReady, messagePaths, post } from "../support/conversations.ts";
import { buildCouple, buildGroup, buildUser, type TestUser } from "../support/factories.ts";
import { startStack, type Stack } from "../support/stack.ts";
import { buildOperator, newOperatorId } from "./operator.ts";

const OPERATOR = newOperatorId();
let stack: Stack;
let operator: TestUser, owner: TestUser, admin: TestUser, member: TestUser, reporter: TestUser, outsider: TestUser;
let g: string;

before(async () => {
  stack = await startStack({ env: { ADMIN_USER_IDS: OPERATOR } });
  operator = await buildOperator(stack.api, stack.server.app.services.storage, OPERATOR);
  [owner, admin, member, reporter, outsider] = await Promise.all([buildUser(stack.api), buildUser(stack.api), buildUser(stack.api), buildUser(stack.api), buildUser(stack.api)]);
  g = await buildGroup(stack.api, owner, [admin, member, reporter]);
  assert.equal((await stack.api.put(`/api/groups/${g}/members/${admin.id}`, { role: "admin" }, owner.token)).status, 200);
});
after(() => stack.stop());

const say = (group: string, user: TestUser, text: string) => post(stack.api, { paths: messagePaths("group", group) }, user, text);
const report = (who: TestUser, body: unknown) => stack.api.post("/api/reports", body, who.token);
const aboutMessage = (conversation_id: string, message_id: string, extra: Record<string, unknown> = {}) => ({ target: { type: "message", conversation_id, message_id }, reason: "spam", ...extra });

describe("operators", () => {
  it("GET /api/users/me tells an operator (ADMIN_USER_IDS) that they are one, and nobody else", async () => {
    assert.equal((await stack.api.get("/api/users/me", operator.token)).body.is_operator, true);
    assert.equal((await stack.api.get("/api/users/me", owner.token)).body.is_operator, false);
  });
});

describe("filing a report", () => {
  it("201 for a new report with the message as it was; 200 when the reporter files again, updating it", async () => {
    const m = await say(g, member, "cheap watches here");
    const first = await report(reporter, aboutMessage(g, m.id, { note: "third time today" }));
    assert.equal(first.status, 201, JSON.stringify(first.body));
    assert.deepEqual(first.body.target, { type: "message", conversation_type: "group", conversation_id: g, message_id: m.id, sender_id: member.id });
    assert.deepEqual([first.body.status, first.body.reason, first.body.note, first.body.reporter_id, first.body.resolution], ["open", "spam", "third time today", reporter.id, null]);
    assert.deepEqual([first.body.message.text, first.body.message.sender.id, first.body.message.seq], ["cheap watches here", member.id, m.seq]);
    const again = await report(reporter, aboutMessage(g, m.id, { reason: "harassment" }));
    assert.deepEqual([again.status, again.body.id, again.body.reason, again.body.note], [200, first.body.id, "harassment", null]);
    const user = await report(reporter, { target: { type: "user", user_id: member.id }, reason: "impersonation" });
    assert.deepEqual([user.status, user.body.target, user.body.message], [201, { type: "user", user_id: member.id }, null]);
  });

  it("400 for invalid input, 401 without a token, 404/403 for what the reporter cannot see, 409 for a deleted message", async () => {
    const m = await say(g, member, "hello there");
    for (const body of [
      {},
      aboutMessage(g, m.id, { reason: "rude" }),
      aboutMessage(g, m.id, { note: "x".repeat(1001) }),
      aboutMessage(g, m.id, { extra: true }),
      { target: { type: "group", id: g }, reason: "spam" },
      { target: { type: "message", conversation_id: g }, reason: "spam" },
      { target: { type: "message", conversation_id: g, message_id: "not-an-id" }, reason: "spam" },
      { target: { type: "user", user_id: "nobody" }, reason: "spam" },
      { target: { type: "user", user_id: reporter.id }, reason: "spam" },
      aboutMessage(g, m.id, { target: { type: "message", conversation_type: "chat", conversation_id: g, message_id: m.id } }),
    ]) {
      const res = await report(reporter, body);
      assert.equal(res.status, 400, `${JSON.stringify(body).slice(0, 120)}: ${JSON.stringify(res.body)}`);
    }
    assert.equal((await report(member, aboutMessage(g, m.id))).status, 400, "one's own message");
    assert.equal((await stack.api.post("/api/reports", aboutMessage(g, m.id))).status, 401);
    assert.equal((await report(outsider, aboutMessage(g, m.id))).status, 404, "a private group's outsider");
    assert.equal((await report(reporter, aboutMessage(g, "0".repeat(24)))).status, 404);
    assert.equal((await report(reporter, { target: { type: "user", user_id: "0".repeat(24) }, reason: "spam" })).status, 404);
    const { a, b, chatId } = await buildCouple(stack.api);
    const said = await post(stack.api, { paths: messagePaths("couple", chatId) }, b, "between us");
    assert.equal((await report(outsider, aboutMessage(chatId, said.id))).status, 404, "someone else's couple chat");
    assert.equal((await report(a, aboutMessage(chatId, said.id))).status, 201, "the partner may");
    assert.equal((await stack.api.del(`/api/messages/${g}/${m.id}`, member.token)).status, 200);
    assert.equal((await report(reporter, aboutMessage(g, m.id))).status, 409);
  });
});

describe("listing reports", () => {
  it("a group's owner and admins see only their group's reports, by status and page; members and outsiders are refused", async () => {
    const elsewhere = await buildGroup(stack.api, outsider, [reporter, member]);
    const m = await say(elsewhere, member, "elsewhere");
    const theirs = (await report(reporter, aboutMessage(elsewhere, m.id))).body.id as string;
    for (const text of ["one more", "and another"]) assert.equal((await report(reporter, aboutMessage(g, (await say(g, member, text)).id))).status, 201);
    const list = await stack.api.get(`/api/groups/${g}/reports`, admin.token);
    assert.equal(list.status, 200, JSON.stringify(list.body));
    assert.ok(list.body.reports.length > 0);
    assert.ok(list.body.reports.every((r: { target: { conversation_id?: string } }) => r.target.conversation_id === g));
    assert.ok(!list.body.reports.some((r: { id: string }) => r.id === theirs));
    const open = await stack.api.get(`/api/groups/${g}/reports?status=open&limit=1`, owner.token);
    assert.equal(open.body.reports.length, 1);
    assert.equal(typeof open.body.next_before, "string");
    const next = await stack.api.get(`/api/groups/${g}/reports?status=open&limit=1&before=${open.body.next_before}`, owner.token);
    assert.ok(next.body.reports[0].id < open.body.reports[0].id);
    assert.equal((await stack.api.get(`/api/groups/${g}/reports`, member.token)).status, 403);
    assert.equal((await stack.api.get(`/api/groups/${g}/reports`, outsider.token)).status, 404);
    assert.equal((await stack.api.get(`/api/groups/${g}/reports?status=closed`, owner.token)).status, 400);
  });

  it("/api/admin/reports: every report for an operator (by status); 403 for anyone else", async () => {
    for (const who of [owner, admin, member]) assert.equal((await stack.api.get("/api/admin/reports", who.token)).status, 403);
    const all = await stack.api.get("/api/admin/reports?limit=100", operator.token);
    assert.equal(all.status, 200);
    const kinds = new Set(all.body.reports.map((r: { target: { type: string } }) => r.target.type));
    assert.deepEqual([...kinds].sort(), ["message", "user"]);
    const open = await stack.api.get("/api/admin/reports?status=open&limit=100", operator.token);
    assert.ok(open.body.reports.every((r: { status: string }) => r.status === "open"));
  });
});

describe("resolving reports", () => {
  const file = async (sender: TestUser, text: string) => {
    const m = await say(g, sender, text);
    return { message: m, id: (await report(reporter, aboutMessage(g, m.id))).body.id as string };
  };
  const resolve = (who: TestUser, id: string, body: unknown, via: "group" | "admin" = "group") =>
    stack.api.post(via === "group" ? `/api/groups/${g}/reports/${id}/resolve` : `/api/admin/reports/${id}/resolve`, body, who.token);

  it("delete_message: the message is deleted on every connected device; the report says who resolved it and how", async () => {
    const { message, id } = await file(member, "offensive");
    const so = await connectReady(stack.url, "groups", owner.token);
    try {
      const deleted = nextEvent(so, "message_deleted", (p) => p.message.id === message.id);
      const res = await resolve(admin, id, { action: "delete_message", note: "removed" });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.deepEqual([res.body.status, res.body.resolution.action, res.body.resolution.by, res.body.resolution.note], ["resolved", "delete_message", admin.id, "removed"]);
      assert.equal((await deleted).message.deleted, true);
      assert.equal(res.body.message.text, "offensive", "the report keeps the snapshot");
    } finally {
      so.close();
    }
    assert.equal((await resolve(owner, id, { action: "dismiss" })).status, 409, "resolved already");
  });

  it("ban_from_group: the sender is removed live and cannot come back; remove_from_group only removes", async () => {
    const [spammer, pest] = [await buildUser(stack.api), await buildUser(stack.api)];
    for (const u of [spammer, pest]) assert.equal((await stack.api.post(`/api/groups/${g}/members`, { user_id: u.id }, owner.token)).status, 200);
    const banned = await file(spammer, "spam spam");
    const removed = await file(pest, "pest");
    const [ss, sm] = await Promise.all([connectReady(stack.url, "groups", spammer.token), connectReady(stack.url, "groups", member.token)]);
    try {
      const gone = nextEvent(ss, "group_member_removed", (p) => p.group_id === g);
      const heard = nextEvent(sm, "group_member_banned", (p) => p.user_id === spammer.id);
      assert.equal((await resolve(admin, banned.id, { action: "ban_from_group" })).status, 200);
      assert.equal((await gone).user_id, spammer.id);
      await heard;
    } finally {
      closeAll(ss, sm);
    }
    assert.equal((await stack.api.post(`/api/groups/${g}/members`, { user_id: spammer.id }, owner.token)).status, 403);
    assert.equal((await resolve(owner, removed.id, { action: "remove_from_group" })).status, 200);
    assert.equal((await stack.api.post(`/api/groups/${g}/members`, { user_id: pest.id }, owner.token)).status, 200, "removed, not banned");
  });

  it("suspend_account is for operators: a group admin gets 403, an operator suspends; actions that do not fit are 400", async () => {
    const rogue = await buildUser(stack.api);
    assert.equal((await stack.api.post(`/api/groups/${g}/members`, { user_id: rogue.id }, owner.token)).status, 200);
    const { id } = await file(rogue, "scam");
    assert.equal((await resolve(owner, id, { action: "suspend_account" })).status, 403);
    assert.equal((await resolve(operator, id, { action: "dismiss", until: new Date(Date.now() + 60_000).toISOString() }, "admin")).status, 400);
    assert.equal((await resolve(member, id, { action: "dismiss" })).status, 403, "a member");
    assert.equal((await resolve(owner, id, { action: "dismiss" }, "admin")).status, 403, "not an operator");
    const done = await resolve(operator, id, { action: "suspend_account" }, "admin");
    assert.deepEqual([done.status, done.body.resolution?.action], [200, "suspend_account"]);
    const login = await stack.api.post("/api/auth/login", { username: rogue.phone, password: rogue.password });
    assert.deepEqual([login.status, login.body.error.code, login.body.error.details], [403, "account_suspended", { until: null }]);

    const userReport = (await report(reporter, { target: { type: "user", user_id: outsider.id }, reason: "other" })).body.id as string;
    assert.equal((await resolve(operator, userReport, { action: "delete_message" }, "admin")).status, 400);
    assert.equal((await resolve(owner, userReport, { action: "dismiss" })).status, 404, "not this group's report");
    assert.equal((await resolve(operator, "0".repeat(24), { action: "dismiss" }, "admin")).status, 404);
    assert.equal((await resolve(operator, userReport, { action: "ban" }, "admin")).status, 400);
  });
});
