// Reports reach the people who act on them, and cannot be used to flood them (issue 15).
// A new report about a group's message is delivered live to that group's owner and admins
// (group_report_filed on /groups, durable: also in their sync log), not to the members, the
// reporter or anyone else; filing it again (an update) is not news. Reports are limited per
// reporter (REPORT_MAX_PER_HOUR, here 3): beyond, 429 rate_limited with retry_after_ms and a
// Retry-After header, counted per reporter (another reporter is not affected).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { nextEvent } from "../support/clients.ts";
import { closeAll, connectReady, flush, messagePaths, post, record } from "../support/conversations.ts";
import { buildGroup, buildUser, type TestUser } from "../support/factories.ts";
import { startStack, type Stack } from "../support/stack.ts";

let stack: Stack;
let owner: TestUser, admin: TestUser, member: TestUser, reporter: TestUser;
let g: string;
before(async () => {
  stack = await startStack({ env: { REPORT_MAX_PER_HOUR: "3" } });
  [owner, admin, member, reporter] = await Promise.all([buildUser(stack.api), buildUser(stack.api), buildUser(stack.api), buildUser(stack.api)]);
  g = await buildGroup(stack.api, owner, [admin, member, reporter]);
  assert.equal((await stack.api.put(`/api/groups/${g}/members/${admin.id}`, { role: "admin" }, owner.token)).status, 200);
});
after(() => stack.stop());

const say = (user: TestUser, text: string) => post(stack.api, { paths: messagePaths("group", g) }, user, text);
const report = (who: TestUser, message_id: string, reason = "spam") => stack.api.post("/api/reports", { target: { type: "message", conversation_id: g, message_id }, reason }, who.token);

describe("a report about a group's message", () => {
  it("reaches the owner and admins live and in their sync log, nobody else; an update is not news", async () => {
    const m = await say(member, "buy cheap followers");
    const connect = (u: TestUser) => connectReady(stack.url, "groups", u.token);
    const [so, sa, sm, sr] = await Promise.all([connect(owner), connect(admin), connect(member), connect(reporter)]);
    try {
      const atMember = record(sm, "group_report_filed");
      const atReporter = record(sr, "group_report_filed");
      const heard = [nextEvent(so, "group_report_filed"), nextEvent(sa, "group_report_filed")];
      const res = await report(reporter, m.id);
      assert.equal(res.status, 201, JSON.stringify(res.body));
      for (const p of await Promise.all(heard)) {
        assert.deepEqual({ ...p, meta: undefined }, { group_id: g, report_id: res.body.id, reason: "spam", message_id: m.id, sender_id: member.id, meta: undefined });
        assert.ok(p.meta?.event_seq, "durable: it has a place in the event stream");
      }
      const sync = await stack.api.get("/api/events/sync?since=0&limit=200", admin.token);
      assert.ok(sync.body.events.some((e: any) => e.type === "group_report_filed" && e.data.report_id === res.body.id), "in the admin's sync log");

      const updates = record(so, "group_report_filed");
      assert.equal((await report(reporter, m.id, "harassment")).status, 200);
      await flush(stack.server.app, so, sm, sr);
      assert.deepEqual([updates.seen, atMember.seen, atReporter.seen], [[], [], []]);
      const memberSync = await stack.api.get("/api/events/sync?since=0&limit=200", member.token);
      assert.ok(!memberSync.body.events.some((e: any) => e.type === "group_report_filed"), "not in a member's sync log");
    } finally {
      closeAll(so, sa, sm, sr);
    }
  });

  it("is limited per reporter: beyond REPORT_MAX_PER_HOUR, 429 rate_limited with retry_after_ms, nothing stored", async () => {
    const flooder = await buildUser(stack.api);
    assert.equal((await stack.api.post(`/api/groups/${g}/members`, { user_id: flooder.id }, owner.token)).status, 200);
    const messages = [];
    for (let i = 0; i < 5; i++) messages.push(await say(member, `message ${i}`));
    for (const m of messages.slice(0, 3)) assert.equal((await report(flooder, m.id)).status, 201);
    const refused = await report(flooder, messages[3]!.id);
    assert.equal(refused.status, 429, JSON.stringify(refused.body));
    assert.equal(refused.body.error.code, "rate_limited");
    assert.ok(refused.body.error.details.retry_after_ms > 0 && refused.body.error.details.retry_after_ms <= 3600_000);
    assert.ok(Number(refused.headers.get("retry-after")) > 0, "Retry-After header");
    const listed = (await stack.api.get(`/api/groups/${g}/reports?limit=100`, owner.token)).body.reports as any[];
    assert.equal(listed.filter((r) => r.reporter_id === flooder.id).length, 3, "the refused report was not stored");
    // Counted per reporter: someone else still reports.
    const other = await buildUser(stack.api);
    assert.equal((await stack.api.post(`/api/groups/${g}/members`, { user_id: other.id }, owner.token)).status, 200);
    assert.equal((await report(other, messages[4]!.id)).status, 201);
  });
});
