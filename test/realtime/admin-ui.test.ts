// The Socket.IO Admin UI (src/infra/admin-ui.ts, src/http/admin-ui-page.ts): off by default;
// on with a username and a bcrypt hash, real socket.io-clients log in to /admin and get the
// server's stats, the UI is served from the package and works in Chromium from this server
// alone, and two nodes behind Redis show up as two servers.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import bcrypt from "bcrypt";
import type { Browser } from "playwright-core";
import { io, type Socket } from "socket.io-client";
import { ConfigError, parseConfig } from "../../src/config.ts";
import { connectAs, requestOk } from "../support/clients.ts";
import { buildUser } from "../support/factories.ts";
import { startRedis, type TestRedis } from "../support/redis-server.ts";
import { startTestServer, testEnv, type TestServer } from "../support/server.ts";
import { startStack, type Stack } from "../support/stack.ts";
import { launchBrowser, openClient } from "../web/browser.ts";

const USERNAME = "ops";
const PASSWORD = "a long admin password";
const HASH = bcrypt.hashSync(PASSWORD, 4);
const adminEnv = (serverId: string) => ({ ADMIN_UI_USERNAME: USERNAME, ADMIN_UI_PASSWORD_HASH: HASH, ADMIN_UI_SERVER_ID: serverId });

interface ServerStats {
  serverId: string;
  namespaces: { name: string; socketsCount: number }[];
}

function adminSocket(url: string, auth: Record<string, string>): Socket {
  return io(`${url}/admin`, { auth, transports: ["websocket"], reconnection: false, forceNew: true });
}

/** Resolves with the socket once connected; rejects with the connect_error's message. */
function connectAdmin(url: string, auth: Record<string, string>): Promise<Socket> {
  const socket = adminSocket(url, auth);
  return new Promise((resolve, reject) => {
    socket.once("connect", () => resolve(socket));
    socket.once("connect_error", (err) => {
      socket.close();
      reject(err);
    });
  });
}

/** Waits for a server_stats that matches. */
function statsWhere(socket: Socket, match: (s: ServerStats) => boolean, timeoutMs = 10_000): Promise<ServerStats> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("no matching server_stats")), timeoutMs);
    const onStats = (s: ServerStats) => {
      if (!match(s)) return;
      clearTimeout(timer);
      socket.off("server_stats", onStats);
      resolve(s);
    };
    socket.on("server_stats", onStats);
  });
}

describe("configuration", () => {
  it("takes both ADMIN_UI_USERNAME and ADMIN_UI_PASSWORD_HASH or neither, and a bcrypt hash only", () => {
    assert.equal(parseConfig(testEnv()).adminUi, undefined);
    assert.equal(parseConfig(testEnv(adminEnv("a"))).adminUi?.mode, "production");
    assert.throws(() => parseConfig(testEnv({ ADMIN_UI_USERNAME: USERNAME })), (e: Error) => e instanceof ConfigError && /ADMIN_UI_USERNAME and ADMIN_UI_PASSWORD_HASH/.test(e.message));
    assert.throws(() => parseConfig(testEnv({ ADMIN_UI_PASSWORD_HASH: HASH })), /ADMIN_UI_USERNAME and ADMIN_UI_PASSWORD_HASH/);
    assert.throws(() => parseConfig(testEnv({ ADMIN_UI_USERNAME: USERNAME, ADMIN_UI_PASSWORD_HASH: PASSWORD })), /ADMIN_UI_PASSWORD_HASH: must be a bcrypt hash/);
  });
});

describe("off (the default)", () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack();
  });
  after(() => stack.stop());

  it("has no /admin namespace: a connect is refused", async () => {
    await assert.rejects(connectAdmin(stack.url, { username: USERNAME, password: PASSWORD }), /Invalid namespace/);
  });

  it("serves no UI", async () => {
    for (const path of ["/admin/socket.io/", "/admin/socket.io/favicon.png"]) assert.equal((await fetch(stack.url + path)).status, 404, path);
  });
});

describe("on", () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack({ env: adminEnv("node-a") });
  });
  after(() => stack.stop());

  // No session id here: the package emits it from its middleware, and with connection-state
  // recovery on the in-memory adapter that emit is dropped (README, "Operations").
  it("lets the admin in with the plain password and sends the config and the server's stats", async () => {
    const chat = await connectAs(stack.url, "couples", (await buildUser(stack.api)).token);
    const socket = adminSocket(stack.url, { username: USERNAME, password: PASSWORD });
    const config = new Promise<{ supportedFeatures: string[] }>((resolve) => socket.once("config", resolve));
    try {
      const stats = await statsWhere(socket, (s) => s.namespaces.some((n) => n.name === "/couples" && n.socketsCount === 1));
      assert.equal(stats.serverId, "node-a");
      for (const ns of ["/admin", "/couples", "/dm", "/groups"]) assert.ok(stats.namespaces.some((n) => n.name === ns), ns);
      // production mode: aggregated events only, no per-socket details (handshakes carry tokens).
      const { supportedFeatures } = await config;
      assert.ok(supportedFeatures.includes("AGGREGATED_EVENTS") && !supportedFeatures.includes("ALL_EVENTS"), supportedFeatures.join());
    } finally {
      socket.close();
      chat.disconnect();
    }
  });

  it("refuses a wrong password, a wrong username and a missing password", async () => {
    const attempts: Record<string, string>[] = [{ username: USERNAME, password: "wrong" }, { username: "root", password: PASSWORD }, { username: USERNAME }, { sessionId: "made-up" }];
    for (const auth of attempts) {
      await assert.rejects(connectAdmin(stack.url, auth), /invalid credentials/, JSON.stringify(auth));
    }
  });

  it("serves the UI from the package: its page with nothing from another origin, its scripts and styles", async () => {
    const redirect = await fetch(`${stack.url}/admin/socket.io`, { redirect: "manual" });
    assert.equal(redirect.status, 301);
    assert.equal(redirect.headers.get("location"), "/admin/socket.io/");
    const page = await fetch(`${stack.url}/admin/socket.io/`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get("content-type") ?? "", /^text\/html/);
    const html = await page.text();
    assert.doesNotMatch(html, /https?:\/\//);
    const assets = [...html.matchAll(/(?:href|src)="([^"]+)"/g)].map((m) => m[1]!);
    assert.ok(assets.some((a) => a.endsWith(".js")) && assets.some((a) => a.endsWith(".css")), assets.join());
    for (const asset of assets) {
      const res = await fetch(`${stack.url}/admin/socket.io/${asset}`);
      assert.equal(res.status, 200, asset);
      if (asset.endsWith(".js")) assert.match(res.headers.get("content-type") ?? "", /javascript/, asset);
      if (asset.endsWith(".css")) assert.match(res.headers.get("content-type") ?? "", /text\/css/, asset);
    }
  });

  describe("in Chromium", () => {
    let browser: Browser;
    before(async () => {
      browser = await launchBrowser();
    });
    after(() => browser?.close());

    it("connects through its form to this server, with no request to another origin and no CSP violation", async () => {
      const origin = new URL(stack.url).origin;
      const { page, context, problems } = await openClient(browser, stack.url, "about:blank");
      const requested: string[] = [];
      page.on("request", (r) => requested.push(r.url()));
      await page.goto("/admin/socket.io/");
      // What an operator types in the connection form: this server's origin, the username and password.
      await page.getByLabel("Server URL").fill(origin);
      await page.getByLabel("Username").fill(USERNAME);
      await page.getByLabel("Password").fill(PASSWORD);
      await page.getByRole("button", { name: "Connect" }).click();
      // Connected: the dashboard lists the chat namespaces from the server's stats.
      await page.getByText("/couples").first().waitFor();
      const sameOrigin = [`${origin}/`, `${origin.replace(/^http/, "ws")}/`, "data:"];
      assert.deepEqual(requested.filter((u) => !sameOrigin.some((prefix) => u.startsWith(prefix))), []);
      // Its fonts come from this server (the packages the CDN links were replaced by): the icons show.
      await page.waitForFunction(() => document.fonts.check('24px "Material Design Icons"') && document.fonts.check("16px Roboto"));
      assert.ok(requested.some((u) => u.includes("/admin/socket.io/fonts/mdi/fonts/materialdesignicons-webfont.woff2")), requested.join("\n"));
      assert.ok(requested.some((u) => /\/admin\/socket\.io\/fonts\/roboto\/files\/roboto-latin-\d+-normal\.woff2/.test(u)), requested.join("\n"));
      assert.deepEqual(problems, []);
      await context.close();
    });
  });

  // Last: it spends this address's password attempts for the minute.
  it("throttles password attempts per address", async () => {
    const refusals: string[] = [];
    for (let i = 0; i < 12; i++) {
      refusals.push(await connectAdmin(stack.url, { username: USERNAME, password: "guess" }).then(
        (s) => (s.close(), "connected"),
        (err: Error) => err.message,
      ));
    }
    assert.equal(refusals.at(-1), "too many attempts, retry in a minute");
    assert.ok(!refusals.includes("connected"));
  });
});

describe("on, ADMIN_UI_MODE=development", () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack({ env: { ...adminEnv("dev"), ADMIN_UI_MODE: "development" } });
  });
  after(() => stack.stop());

  it("also sends every socket with its data, and the chat sockets it wraps keep working", async () => {
    const user = await buildUser(stack.api);
    const chat = await connectAs(stack.url, "dm", user.token);
    const socket = adminSocket(stack.url, { username: USERNAME, password: PASSWORD });
    const all = new Promise<{ nsp: string; data: { userId?: string } }[]>((resolve) => socket.once("all_sockets", resolve));
    try {
      await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
      const sockets = await all;
      assert.ok(sockets.some((s) => s.nsp === "/dm" && s.data.userId === user.id), JSON.stringify(sockets));
      // The package wraps socket.data in a proxy and listens to every event: the chat still answers.
      assert.equal((await requestOk(chat, "HEARTBEAT", {})).ok, true);
    } finally {
      socket.close();
      chat.disconnect();
    }
  });
});

for (const adapter of ["streams", "pubsub"] as const) {
  describe(`on, two nodes behind Redis (${adapter} adapter)`, () => {
    let redis: TestRedis;
    let nodes: TestServer[];
    before(async () => {
      redis = await startRedis();
      const env = (id: string) => ({ ...adminEnv(id), SOCKET_ADAPTER: adapter });
      nodes = [await startTestServer({ redisUrl: redis.url, env: env("node-1") }), await startTestServer({ redisUrl: redis.url, env: env("node-2") })];
    });
    after(async () => {
      for (const node of nodes ?? []) await node.close();
      await redis?.stop();
    });

    it("shows each node under its own server id to an admin connected to one, who may reconnect to the other", async () => {
      const socket = adminSocket(nodes[0]!.url, { username: USERNAME, password: PASSWORD });
      const sessionId = new Promise<string>((resolve) => socket.once("session", resolve));
      try {
        await Promise.all(["node-1", "node-2"].map((id) => statsWhere(socket, (s) => s.serverId === id)));
        // The session is kept in Redis: the other node accepts it.
        const other = await connectAdmin(nodes[1]!.url, { sessionId: await sessionId });
        other.close();
      } finally {
        socket.close();
      }
    });
  });
}
