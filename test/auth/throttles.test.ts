// Guessing and enumeration are throttled without handing attackers a lockout (findings 5,
// 7 and 12 of issue 12): lookups per user and per IP, registrations per IP, failed logins
// per (phone, IP) pair with a progressive delay per phone that never locks the owner out,
// and X-Forwarded-For ignored unless TRUST_PROXY says a proxy sets it. Distinct clients
// are real distinct source addresses on 127.0.0.0/8 (test/support/from-address.ts).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { buildUser, uniquePhone, type TestUser } from "../support/factories.ts";
import { apiFrom } from "../support/from-address.ts";
import type { Api, ApiResponse } from "../support/http.ts";
import { startStack, type Stack } from "../support/stack.ts";
import { sleep } from "../support/wait.ts";

const LIMITS = {
  LOGIN_MAX_PER_PHONE: "5",
  LOGIN_MAX_PER_IP: "1000",
  LOGIN_DELAY_BASE_MS: "20",
  LOGIN_DELAY_MAX_MS: "100",
  REGISTER_MAX_PER_HOUR: "5",
  LOOKUP_MAX_PER_MIN: "5",
  LOOKUP_MAX_PER_MIN_PER_IP: "8",
};

let stack: Stack;
before(async () => {
  stack = await startStack({ env: LIMITS });
});
after(() => stack.stop());

/** A user registered from its own address (registrations are throttled per IP here too). */
const userFrom = (ip: string) => buildUser(apiFrom(ip, stack.url) as unknown as Api);

function assertRateLimited(res: ApiResponse, what: string) {
  assert.equal(res.status, 429, `${what}: ${res.status} ${JSON.stringify(res.body)}`);
  assert.equal(res.body.error.code, "rate_limited", what);
  assert.ok(Number.isInteger(res.body.error.details?.retry_after_ms) && res.body.error.details.retry_after_ms > 0, `${what}: retry_after_ms in ${JSON.stringify(res.body)}`);
  assert.ok(Number(res.headers.get("retry-after")) >= 1, `${what}: Retry-After header`);
}

describe("user lookup", () => {
  let target: TestUser, first: TestUser, second: TestUser;
  before(async () => {
    // Three registrations from 127.0.0.1, within its budget of five.
    [target, first, second] = [await buildUser(stack.api), await buildUser(stack.api), await buildUser(stack.api)];
  });

  it("is throttled per user, then per IP (429 with retry_after_ms and Retry-After)", async () => {
    const lookup = (u: TestUser, from = "127.0.0.1") => apiFrom(from, stack.url).get(`/api/users/lookup?phone=${encodeURIComponent(target.phone)}`, u.token);
    for (let i = 0; i < 5; i++) assert.equal((await lookup(first)).status, 200, `lookup ${i + 1}`);
    assertRateLimited(await lookup(first), "sixth lookup of one user");
    // Another user from the same IP: its own budget, until the IP's (8) is spent.
    for (let i = 0; i < 3; i++) assert.equal((await lookup(second)).status, 200, `second user's lookup ${i + 1}`);
    assertRateLimited(await lookup(second), "ninth lookup from one IP");
    // The same user with budget left, from another IP, is not affected by the first IP.
    const other = await userFrom("127.0.0.2");
    assert.equal((await lookup(other, "127.0.0.2")).status, 200);
  });
});

describe("registration", () => {
  it("is throttled per IP; other IPs keep registering", async () => {
    const from = apiFrom("127.0.0.50", stack.url);
    const register = (api = from) => api.post("/api/auth/register", { phone: uniquePhone(), password: "secret-pass", display_name: "Flood" });
    for (let i = 0; i < 5; i++) assert.equal((await register()).status, 201, `registration ${i + 1}`);
    assertRateLimited(await register(), "sixth registration from one IP");
    assert.equal((await register(apiFrom("127.0.0.51", stack.url))).status, 201);
  });
});

describe("failed logins", () => {
  it("slow an attacker on other IPs down without locking the owner out (50 failures)", async () => {
    const owner = await userFrom("127.0.0.60");
    let failures = 0;
    let delays = 0;
    let ip = 1;
    let requests = 0;
    // The attacker rotates addresses when one's (phone, IP) budget is spent, and honours the
    // phone's short delay: the fastest a guesser can go.
    while (failures < 50 && requests < 400) {
      requests++;
      const res = await apiFrom(`127.0.2.${ip}`, stack.url).post("/api/auth/login", { username: owner.phone, password: `guess-${requests}` });
      if (res.status === 401) {
        failures++;
        continue;
      }
      assertRateLimited(res, `attack request ${requests}`);
      const wait = res.body.error.details.retry_after_ms as number;
      if (wait <= Number(LIMITS.LOGIN_DELAY_MAX_MS)) {
        delays++;
        await sleep(wait); // honours the server's retry_after_ms, as the attacker modelled here would: the wait is the subject
      } else {
        ip++; // this pair is spent for the window: next address
      }
    }
    assert.equal(failures, 50, `the attacker got ${failures} failures in ${requests} requests`);
    assert.ok(delays > 0, "the phone's progressive delay slowed the attacker");
    assert.ok(ip >= 10, "each (phone, IP) pair got at most LOGIN_MAX_PER_PHONE failures");

    // The owner, from their own address, gets in: at most one short wait.
    const home = apiFrom("127.0.0.60", stack.url);
    let res = await home.post("/api/auth/login", { username: owner.phone, password: owner.password });
    if (res.status === 429) {
      assert.ok(res.body.error.details.retry_after_ms <= Number(LIMITS.LOGIN_DELAY_MAX_MS), JSON.stringify(res.body));
      await sleep(res.body.error.details.retry_after_ms); // the owner honours retry_after_ms too
      res = await home.post("/api/auth/login", { username: owner.phone, password: owner.password });
    }
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.user.id, owner.id);
  });

  it("stop one address after LOGIN_MAX_PER_PHONE failures on a phone, whatever the password", async () => {
    const owner = await userFrom("127.0.0.61");
    const from = apiFrom("127.0.3.1", stack.url);
    for (let i = 0; i < 5; i++) assert.equal((await from.post("/api/auth/login", { username: owner.phone, password: "wrong-pass" })).status, 401);
    const blocked = await from.post("/api/auth/login", { username: owner.phone, password: owner.password });
    assertRateLimited(blocked, "sixth attempt of one pair");
    assert.ok(blocked.body.error.details.retry_after_ms > 60_000, "for the window, not a short delay");
  });
});

describe("TRUST_PROXY (default: no proxy)", () => {
  let direct: Stack;
  before(async () => {
    direct = await startStack({ env: { LOGIN_MAX_PER_IP: "3", LOGIN_MAX_PER_PHONE: "100" } });
  });
  after(() => direct.stop());

  it("ignores X-Forwarded-For from a loopback client: no fresh per-IP login budget", async () => {
    const from = apiFrom("127.0.0.70", direct.url);
    const attempt = (i: number) =>
      direct.api.call("POST", "/api/auth/login", { json: { username: uniquePhone(), password: "nope-nope" }, headers: { "x-forwarded-for": `198.51.100.${i}` } });
    for (let i = 1; i <= 3; i++) assert.equal((await attempt(i)).status, 401, `attempt ${i}`);
    assertRateLimited(await attempt(4), "fourth attempt from 127.0.0.1 with a new X-Forwarded-For");
    // Another real address has its own budget.
    assert.equal((await from.post("/api/auth/login", { username: uniquePhone(), password: "nope-nope" })).status, 401);
  });
});
