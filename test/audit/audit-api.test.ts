// GET /api/auth/audit end to end: a user's security events (logins with their device and
// address, refresh-token reuse, ended sessions and who ended them), newest first, paged with
// `before`/`next_before`; strict query validation; nobody sees anyone else's events; a
// failed login alone is not an event, a throttled burst is.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { callFrom } from "../support/from-address.ts";
import { buildUser } from "../support/factories.ts";
import { startStack, type Stack } from "../support/stack.ts";

const FIREFOX_MAC = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14.4; rv:125.0) Gecko/20100101 Firefox/125.0";

interface AuditEvent {
  id: string;
  user_id: string;
  type: string;
  at: string;
  ip: string | null;
  device: string | null;
  data: Record<string, unknown>;
}

let stack: Stack;
before(async () => {
  stack = await startStack({ env: { LOGIN_MAX_PER_PHONE: "2", LOGIN_DELAY_MAX_MS: "0" } });
});
after(() => stack.stop());

const auditOf = async (token: string, query = ""): Promise<{ events: AuditEvent[]; next_before: string | null }> => {
  const res = await stack.api.get(`/api/auth/audit${query}`, token);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body;
};
const fromMac = (path: string, json: unknown, token?: string) =>
  callFrom("127.0.0.5", stack.url, "POST", path, { json, ...(token ? { token } : {}), headers: { "user-agent": FIREFOX_MAC } });

describe("GET /api/auth/audit", () => {
  it("lists the caller's security events newest first, with the device and address of each", async () => {
    const u = await buildUser(stack.api);
    const login = await fromMac("/api/auth/login", { username: u.phone, password: u.password });
    assert.equal(login.status, 200);
    assert.equal((await stack.api.post("/api/auth/login", { username: u.phone, password: "one typo" })).status, 401);
    // The Mac's refresh token used twice: the second use is theft, which ends its session.
    const rotated = await callFrom("127.0.0.5", stack.url, "POST", "/api/auth/refresh", { token: login.body.refresh_token, headers: { "user-agent": FIREFOX_MAC } });
    assert.equal(rotated.status, 200);
    assert.equal((await stack.api.call("POST", "/api/auth/refresh", { token: login.body.refresh_token })).status, 401);

    const { events, next_before } = await auditOf(u.token);
    assert.equal(next_before, null);
    assert.deepEqual(events.map((e) => e.type), ["refresh_token_reuse", "session_ended", "login", "login"], "a single wrong password is not an event");
    const [reuse, ended, macLogin, registered] = events as [AuditEvent, AuditEvent, AuditEvent, AuditEvent];
    const macSession = macLogin.data.session_id;
    assert.deepEqual([macLogin.ip, macLogin.device, macLogin.data.method], ["127.0.0.5", "Firefox on macOS", "password"]);
    assert.deepEqual([reuse.ip, reuse.data.session_id, reuse.data.session_device], ["127.0.0.1", macSession, "Firefox on macOS"]);
    assert.deepEqual([ended.data.by, ended.data.session_id], ["refresh_token_reuse", macSession]);
    assert.deepEqual([registered.data.method, registered.ip], ["register", null], "registered through the services in this test: no request");
    for (const e of events) {
      assert.equal(e.user_id, u.id);
      assert.ok(!Number.isNaN(Date.parse(e.at)));
    }
    assert.ok(events.every((e, i) => i === 0 || Date.parse(e.at) <= Date.parse(events[i - 1]!.at)), "newest first");
  });

  it("pages with limit and next_before, each event once", async () => {
    const u = await buildUser(stack.api);
    for (let i = 0; i < 4; i++) assert.equal((await stack.api.post("/api/auth/login", { username: u.phone, password: u.password })).status, 200);
    const all = (await auditOf(u.token)).events;
    assert.equal(all.length, 5);
    const seen: AuditEvent[] = [];
    let query = "?limit=2";
    for (let pages = 0; pages < 5; pages++) {
      const page = await auditOf(u.token, query);
      seen.push(...page.events);
      if (!page.next_before) break;
      query = `?limit=2&before=${encodeURIComponent(page.next_before)}`;
    }
    assert.deepEqual(seen, all);
  });

  it("validates the query strictly", async () => {
    const u = await buildUser(stack.api);
    for (const q of ["?limit=0", "?limit=101", "?limit=x", "?before=garbage", "?before=", "?cursor=1"]) {
      const res = await stack.api.get(`/api/auth/audit${q}`, u.token);
      assert.equal(res.status, 400, q);
      assert.equal(res.body.error.code, "validation_error", q);
    }
    assert.equal((await stack.api.get("/api/auth/audit")).status, 401);
  });

  it("shows nobody else's events: an outsider's log holds only their own", async () => {
    const [u, outsider] = [await buildUser(stack.api), await buildUser(stack.api)];
    await stack.api.post("/api/auth/login", { username: u.phone, password: u.password });
    const mine = (await auditOf(u.token)).events;
    const theirs = (await auditOf(outsider.token)).events;
    assert.ok(theirs.every((e) => e.user_id === outsider.id));
    assert.deepEqual(theirs.filter((e) => mine.some((m) => m.id === e.id)), []);
    // A cursor taken from someone else's log pages the caller's own log, never theirs.
    const cursor = `${Date.parse(mine[0]!.at) + 1}.${mine[0]!.id}`;
    assert.ok((await auditOf(outsider.token, `?before=${cursor}`)).events.every((e) => e.user_id === outsider.id));
  });

  it("records a burst of throttled login attempts once, from the address that hit the throttle", async () => {
    const u = await buildUser(stack.api);
    for (let i = 0; i < 2; i++) assert.equal((await fromMac("/api/auth/login", { username: u.phone, password: `guess ${i}` })).status, 401);
    for (let i = 0; i < 3; i++) assert.equal((await fromMac("/api/auth/login", { username: u.phone, password: `guess ${i}` })).status, 429);
    const bursts = (await auditOf(u.token)).events.filter((e) => e.type === "login_failures");
    assert.equal(bursts.length, 1);
    assert.deepEqual([bursts[0]!.ip, bursts[0]!.device], ["127.0.0.5", "Firefox on macOS"]);
    assert.ok(Number(bursts[0]!.data.attempts_since_last_login) >= 2);
  });
});
