// /metrics is not public and /api/docs carries the security headers (finding 10 of issue
// 12). By default the main port serves metrics to loopback clients only (judged on the
// client's address, so a remote client behind a local proxy does not pass); METRICS_TOKEN
// requires a bearer token; METRICS_PORT moves metrics to a listener of their own. The
// docs page is mounted after helmet and still renders in a real browser under its CSP.
import assert from "node:assert/strict";
import { createServer } from "node:net";
import { after, before, describe, it } from "node:test";
import { launchBrowser, openClient } from "../web/browser.ts";
import { startStack, type Stack } from "../support/stack.ts";

const XFF = (ip: string) => ({ headers: { "x-forwarded-for": ip } });

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

describe("metrics by default: loopback clients only", () => {
  let stack: Stack;
  // Behind a proxy on the same host (TRUST_PROXY=loopback): the proxy's loopback address
  // must not make every client look local.
  before(async () => {
    stack = await startStack({ env: { TRUST_PROXY: "loopback" } });
  });
  after(() => stack.stop());

  it("serves a loopback client, refuses a remote one with 403", async () => {
    const local = await fetch(`${stack.url}/metrics`);
    assert.equal(local.status, 200);
    assert.match(await local.text(), /^# HELP /m);
    const remote = await stack.api.call("GET", "/metrics", XFF("203.0.113.9"));
    assert.equal(remote.status, 403);
    assert.equal(remote.body.error.code, "forbidden");
    assert.match(remote.body.error.message, /METRICS_TOKEN|METRICS_PORT/);
    const ipv6 = await stack.api.call("GET", "/metrics", XFF("2001:db8::1"));
    assert.equal(ipv6.status, 403);
    assert.equal((await stack.api.call("GET", "/metrics", XFF("127.0.0.1"))).status, 200);
  });

  it("serves /api/docs with the security headers, and the page renders under its CSP", async () => {
    for (const path of ["/api/docs/", "/api/docs/swagger-ui-init.js", "/api/docs/swagger-ui.css"]) {
      const res = await fetch(stack.url + path);
      assert.equal(res.status, 200, path);
      const csp = res.headers.get("content-security-policy") ?? "";
      assert.match(csp, /default-src 'self'/, `${path}: CSP`);
      assert.match(csp, /script-src 'self'/, `${path}: CSP`);
      assert.equal(res.headers.get("x-content-type-options"), "nosniff", path);
      assert.ok(res.headers.get("x-frame-options"), `${path}: X-Frame-Options`);
      assert.ok(res.headers.get("strict-transport-security"), `${path}: HSTS`);
      assert.equal(res.headers.get("x-powered-by"), null, path);
    }
    const browser = await launchBrowser();
    try {
      const { page, problems, context } = await openClient(browser, stack.url, "/api/docs/");
      // Swagger UI fetched /api/openapi.json and drew the operations.
      await page.locator(".opblock-summary-path", { hasText: "/api/auth/login" }).first().waitFor({ timeout: 20_000 });
      assert.deepEqual(problems, [], "no CSP violation, console error or page error");
      await context.close();
    } finally {
      await browser.close();
    }
  });
});

describe("METRICS_TOKEN", () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack({ env: { METRICS_TOKEN: "s3cret-metrics-token" } });
  });
  after(() => stack.stop());

  it("requires Authorization: Bearer <token>, even from loopback", async () => {
    const none = await stack.api.call("GET", "/metrics");
    assert.equal(none.status, 401);
    assert.equal(none.body.error.code, "unauthorized");
    assert.match(none.headers.get("www-authenticate") ?? "", /^Bearer/);
    assert.equal((await stack.api.call("GET", "/metrics", { token: "wrong" })).status, 401);
    assert.equal((await stack.api.call("GET", "/metrics", { token: "s3cret-metrics-token-and-more" })).status, 401);
    const ok = await stack.api.call("GET", "/metrics", { token: "s3cret-metrics-token" });
    assert.equal(ok.status, 200);
    assert.match(String(ok.body), /chat_socket_events_in_total/);
  });
});

describe("METRICS_PORT", () => {
  let stack: Stack;
  let port: number;
  before(async () => {
    port = await freePort();
    stack = await startStack({ env: { METRICS_PORT: String(port) } });
  });
  after(() => stack.stop());

  it("serves metrics on their own listener on HOST and not on the main port", async () => {
    assert.equal((await fetch(`${stack.url}/metrics`)).status, 404);
    const res = await fetch(`http://127.0.0.1:${port}/metrics`);
    assert.equal(res.status, 200);
    assert.match(await res.text(), /chat_socket_events_in_total/);
    assert.equal((await fetch(`http://127.0.0.1:${port}/api/users/me`)).status, 404, "nothing else on the metrics listener");
  });
});
