// Sessions you can see and end, password change and the audit log, on real SQLite without
// sockets or HTTP: what each call stores, which sessions it revokes, what it tells devices
// (a recorded `session_ended` disconnect of the session's room) and what it writes to the
// user's audit log.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createAuditLog } from "../../src/audit/audit.service.ts";
import { createHandshakeCaches } from "../../src/auth/handshake-caches.ts";
import { createSessionActivity } from "../../src/auth/session-activity.ts";
import { createLogger } from "../../src/infra/logger.ts";
import type { ClientInfo } from "../../src/shared/client-info.ts";
import { startServiceWorld, type ServiceWorld, type WorldUser } from "../support/service-world.ts";

const laptop: ClientInfo = { ip: "203.0.113.10", device: "Firefox on Linux" };
const phone: ClientInfo = { ip: "198.51.100.20", device: "Safari on iPhone" };

describe("account security services", () => {
  let w: ServiceWorld;
  before(async () => {
    // Two failures per phone and pair before the throttle refuses; no per-phone delay.
    w = await startServiceWorld({ env: { LOGIN_MAX_PER_PHONE: "2", LOGIN_DELAY_MAX_MS: "0" } });
  });
  after(() => w.close());

  const caller = (u: WorldUser, sessionId = u.sessionId) => ({ userId: u.id, sessionId });
  const sidOf = (token: string) => w.services.tokens.verifyAccess(token).sid;
  const login = async (u: WorldUser, client: ClientInfo) => w.services.auth.login({ username: u.phone, password: u.password }, client);
  const auditTypes = async (u: WorldUser) => (await w.services.audit.list(u.id, { limit: 100 })).events.map((e) => e.type);

  it("a login records its device and address; the list shows live sessions only, the caller's marked", async () => {
    const u = await w.user();
    const l = await login(u, laptop);
    const p = await login(u, phone);
    await w.services.auth.logout({ userId: u.id, sessionId: sidOf(p.access_token) }, phone);
    const list = await w.services.sessionList.list(caller(u, sidOf(l.access_token)));
    assert.deepEqual(
      list.map((s) => [s.id, s.device, s.ip, s.current]),
      [
        [sidOf(l.access_token), laptop.device, laptop.ip, true],
        [u.sessionId, null, null, false], // registered through the service: no request, no client
      ],
    );
    for (const s of list) assert.ok(Date.parse(s.last_used_at) >= Date.parse(s.created_at));
  });

  it("a refresh moves last use, device and address to the refreshing client", async () => {
    const u = await w.user();
    const l = await login(u, laptop);
    const before = (await w.storage.sessions.session(sidOf(l.access_token)))!;
    await w.services.auth.refresh(l.refresh_token, phone);
    const after = (await w.storage.sessions.session(sidOf(l.access_token)))!;
    assert.deepEqual([after.device, after.ip], [phone.device, phone.ip]);
    assert.ok(after.last_used_at >= before.last_used_at);
  });

  it("ending a session revokes it, cuts its sockets (session_ended) and is audited; another user's is not found", async () => {
    const [u, other] = [await w.user(), await w.user()];
    const p = await login(u, phone);
    const target = sidOf(p.access_token);
    w.fanout.clear();
    await assert.rejects(w.services.sessionList.end(caller(other), target, laptop), { code: "not_found" });
    assert.equal((await w.storage.sessions.session(target))!.revoked_at, null, "another user cannot end it");
    await w.services.sessionList.end(caller(u), target, laptop);
    assert.equal((await w.storage.sessions.session(target))!.revoked_reason, "self");
    assert.deepEqual(w.fanout.disconnects().map((c) => [c.room, c.event, c.payload]), [[`session:${target}`, "session_ended", { reason: "session_revoked" }]]);
    await assert.rejects(w.services.auth.refresh(p.refresh_token, phone), { code: "token_revoked" });
    await w.services.sessionList.end(caller(u), target, laptop); // again: done already, no error
    const [ended] = (await w.services.audit.list(u.id, { limit: 1 })).events;
    assert.deepEqual([ended?.type, ended?.ip, ended?.device, ended?.data], ["session_ended", laptop.ip, laptop.device, { session_id: target, by: "self", session_device: phone.device }]);
    await assert.rejects(w.services.sessionList.end(caller(u), "no-such-session", laptop), { code: "not_found" });
  });

  it("end-others keeps the caller's session and ends the rest", async () => {
    const u = await w.user();
    const [a, b] = [await login(u, laptop), await login(u, phone)];
    w.fanout.clear();
    const n = await w.services.sessionList.endOthers(caller(u, sidOf(a.access_token)), laptop);
    assert.equal(n, 2, "the phone's and the registration's");
    assert.deepEqual((await w.services.sessionList.list(caller(u, sidOf(a.access_token)))).map((s) => s.id), [sidOf(a.access_token)]);
    assert.deepEqual(w.fanout.disconnects().map((c) => c.room).sort(), [`session:${sidOf(b.access_token)}`, `session:${u.sessionId}`].sort());
    assert.equal(await w.services.sessionList.endOthers(caller(u, sidOf(a.access_token)), laptop), 0);
  });

  it("a password change checks the current password, stores the new one and ends every other session", async () => {
    const u = await w.user();
    const [a, b] = [await login(u, laptop), await login(u, phone)];
    const me = caller(u, sidOf(a.access_token));
    await assert.rejects(w.services.password.change(me, { current_password: "not the password", new_password: "a new password" }, laptop), { code: "wrong_password", status: 403 });
    await assert.rejects(w.services.password.change(me, { current_password: u.password, new_password: u.password }, laptop), { code: "validation_error" });
    assert.equal((await w.services.sessionList.list(me)).length, 3, "nothing ended by a refused change");

    assert.deepEqual(await w.services.password.change(me, { current_password: u.password, new_password: "a new password" }, laptop), { sessions_ended: 2 });
    assert.deepEqual((await w.services.sessionList.list(me)).map((s) => s.id), [me.sessionId]);
    await assert.rejects(w.services.auth.refresh(b.refresh_token, phone), { code: "token_revoked" });
    await w.services.auth.refresh(a.refresh_token, laptop); // the current one still refreshes
    await assert.rejects(login(u, laptop), { code: "invalid_credentials" }, "the old password is gone");
    await login({ ...u, password: "a new password" }, laptop);

    const log = (await w.services.audit.list(u.id, { limit: 100 })).events;
    const changed = log.find((e) => e.type === "password_changed");
    assert.deepEqual(changed?.data, { session_id: me.sessionId, sessions_ended: 2 });
    assert.deepEqual(log.filter((e) => e.type === "session_ended").map((e) => e.data.by), ["password_change", "password_change"]);
  });

  it("a wrong current password counts like a failed login: the throttle refuses, and the burst is audited once", async () => {
    const u = await w.user();
    const me = caller(u);
    const wrong = () => w.services.password.change(me, { current_password: "not the password", new_password: "whatever it is" }, laptop);
    await assert.rejects(wrong(), { code: "wrong_password" });
    await assert.rejects(wrong(), { code: "wrong_password" });
    await assert.rejects(wrong(), { code: "rate_limited" });
    await assert.rejects(wrong(), { code: "rate_limited" });
    await assert.rejects(login(u, laptop), { code: "rate_limited" }, "login shares the budget");
    const bursts = (await w.services.audit.list(u.id, { limit: 100 })).events.filter((e) => e.type === "login_failures");
    assert.equal(bursts.length, 1, "one line per burst, not per refusal");
    assert.deepEqual([bursts[0]!.ip, bursts[0]!.device], [laptop.ip, laptop.device]);
    assert.equal(typeof bursts[0]!.data.attempts_since_last_login, "number");
  });

  it("records logins, reuse and what ended, newest first, paged with a cursor; each user sees only their own", async () => {
    const [u, other] = [await w.user(), await w.user()];
    const l = await login(u, laptop);
    await w.services.auth.refresh(l.refresh_token, laptop);
    await assert.rejects(w.services.auth.refresh(l.refresh_token, phone), { code: "token_revoked" }); // reuse
    await login(other, phone);
    assert.deepEqual(await auditTypes(u), ["refresh_token_reuse", "session_ended", "login", "login"]);
    const reuse = (await w.services.audit.list(u.id, { limit: 1 })).events[0]!;
    assert.deepEqual([reuse.ip, reuse.data.session_id], [phone.ip, sidOf(l.access_token)]);

    const first = await w.services.audit.list(u.id, { limit: 3 });
    assert.equal(first.events.length, 3);
    assert.ok(first.next_before);
    const second = await w.services.audit.list(u.id, { limit: 3, before: first.next_before });
    assert.deepEqual([...first.events, ...second.events].map((e) => e.type), await auditTypes(u));
    assert.equal(second.next_before, null);
    assert.ok((await w.services.audit.list(other.id, { limit: 100 })).events.every((e) => e.user_id === other.id));
  });

  it("an access token accepted for a live session counts as a use of it (REST and handshakes share the check)", async () => {
    const u = await w.user();
    const used: string[] = [];
    const caches = createHandshakeCaches({ users: w.storage.users, sessions: w.storage.sessions, onSessionUsed: (sid) => used.push(sid) });
    assert.equal(await caches.sessionCheck.isLive(u.sessionId, u.id), true);
    assert.equal(await caches.sessionCheck.isLive(u.sessionId, "someone-else"), false);
    await w.services.auth.logout(caller(u));
    caches.sessionRevoked(u.sessionId);
    assert.equal(await caches.sessionCheck.isLive(u.sessionId, u.id), false);
    assert.deepEqual(used, [u.sessionId], "only the live answer is a use");
  });

  it("the hooks for the other features take their types; a failed write is logged, never thrown", async () => {
    const failing = createAuditLog({
      audit: { append: () => Promise.reject(new Error("disk full")), ofUser: async () => [], prune: async () => 0 },
      log: createLogger("silent"),
      retentionDays: 1,
    });
    await failing.record({ user_id: "u", type: "account_deleted" });

    const u = await w.user();
    await w.services.audit.record({ user_id: u.id, type: "suspension", data: { action: "suspended", until: null } });
    const [e] = (await w.services.audit.list(u.id, { limit: 1 })).events;
    assert.deepEqual([e?.type, e?.ip, e?.device, e?.data], ["suspension", null, null, { action: "suspended", until: null }]);
  });

  it("prunes events past AUDIT_RETENTION_DAYS", async () => {
    const u = await w.user();
    const days = w.config.audit.retentionDays;
    await w.services.audit.record({ user_id: u.id, type: "moderation_action", at: new Date(Date.now() - (days + 1) * 24 * 3600_000) });
    assert.ok((await w.services.audit.prune()) >= 1);
    assert.deepEqual(await auditTypes(u), ["login"]);
  });

  it("sessionEnding.endAllOf ends every session of a user (a suspension's hook)", async () => {
    const u = await w.user();
    await login(u, phone);
    w.fanout.clear();
    assert.equal(await w.services.sessionEnding.endAllOf(u.id, "suspension"), 2);
    assert.equal(w.fanout.disconnects().length, 2);
    assert.deepEqual(await w.services.sessionList.list(caller(u)), []);
  });
});

describe("session activity", () => {
  it("writes last use at most once per interval per session, and again after a failed write", async () => {
    let t = 1_000_000;
    const writes: [string, number][] = [];
    let fail = false;
    const activity = createSessionActivity({
      sessions: {
        async touchSessions(ids, at) {
          writes.push(...ids.map((id): [string, number] => [id, at.getTime()]));
          if (fail) throw new Error("database down");
        },
      },
      log: createLogger("silent"),
      intervalMs: 1000,
      now: () => t,
    });
    const settled = () => new Promise((r) => setImmediate(r));
    activity.used("a");
    activity.used("a");
    activity.used("b");
    await settled(); // the uses of one turn are one write
    t += 999;
    activity.used("a");
    t += 1;
    activity.used("a");
    activity.written("b"); // a refresh wrote it
    activity.used("b");
    await settled();
    assert.deepEqual(writes, [["a", 1_000_000], ["b", 1_000_000], ["a", 1_001_000]]);
    fail = true;
    t += 5000;
    activity.used("a");
    await settled();
    fail = false;
    activity.used("a");
    await settled();
    assert.equal(writes.length, 5, "the failed write is retried at the next use");
  });
});
