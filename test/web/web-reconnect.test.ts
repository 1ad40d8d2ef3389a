// The web client across server restarts. The server runs as a child process (node
// main.ts) on a fixed port with a fixed database, Redis and JWT secrets, so it can be
// killed and started again. While it restarts, A is held offline and the partner sends;
// when A is back it must show every message exactly once, in order.
//  - SIGKILL: nothing was persisted for recovery, so A catches up with /api/events/sync.
//  - SIGTERM: the server persists the sessions (Redis streams adapter), so A is recovered
//    by Socket.IO and needs no sync.
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { Browser, Page } from "playwright-core";
import { freePort } from "../support/processes.ts";
import { startDatabase, type TestDatabase } from "../support/database.ts";
import { buildCouple } from "../support/factories.ts";
import { api } from "../support/http.ts";
import { startRedis, type TestRedis } from "../support/redis-server.ts";
import { TEST_SECRETS } from "../support/server.ts";
import { waitFor } from "../support/wait.ts";
import { launchBrowser, logIn, message, messageItems, openClient, send, waitConnected, type UserPage } from "./browser.ts";

let db: TestDatabase;
let redis: TestRedis;
let browser: Browser;
let port: number;
let url: string;
let server: ChildProcess | undefined;
const dataDir = mkdtempSync(join(tmpdir(), "chat-web-restart-"));

/** Starts `node main.ts` and resolves once it says it is listening. */
function startServer(): Promise<ChildProcess> {
  const child = spawn(process.execPath, ["main.ts"], {
    env: {
      PATH: process.env.PATH,
      NODE_ENV: "test",
      LOG_LEVEL: "warn",
      HOST: "127.0.0.1",
      PORT: String(port),
      MONGODB_URI: db.uri,
      REDIS_URL: redis.url,
      DATA_DIR: dataDir,
      JWT_ACCESS_SECRET: TEST_SECRETS.access,
      JWT_REFRESH_SECRET: TEST_SECRETS.refresh,
      BCRYPT_ROUNDS: "4",
      SHUTDOWN_TIMEOUT_MS: "3000",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  return new Promise((resolve, reject) => {
    let output = "";
    const timer = setTimeout(() => reject(new Error(`server did not start in 30 s:\n${output}`)), 30_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes("Chat server listening on")) {
        clearTimeout(timer);
        resolve(child);
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${output}`));
    });
  });
}

function stopServer(signal: "SIGKILL" | "SIGTERM"): Promise<void> {
  const child = server;
  server = undefined;
  if (!child || child.exitCode !== null) return Promise.resolve();
  child.removeAllListeners("exit");
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill(signal);
  });
}

before(async () => {
  [db, redis, browser, port] = await Promise.all([startDatabase(), startRedis(), launchBrowser(), freePort()]);
  url = `http://127.0.0.1:${port}`;
  server = await startServer();
});
after(async () => {
  await stopServer("SIGKILL");
  await browser?.close();
  await Promise.all([redis?.stop(), db?.stop()]);
});

const dataset = (page: Page, key: string) => page.evaluate((k) => document.documentElement.dataset[k] ?? "", key);

async function assertExactlyOnceInOrder({ page }: UserPage, texts: string[]) {
  for (const text of texts) assert.equal(await message(page, text).count(), 1, `"${text}" exactly once`);
  const seqs = (await messageItems(page).evaluateAll((els) => els.map((el) => Number((el as HTMLElement).dataset.seq)))) as number[];
  assert.deepEqual(seqs, Array.from({ length: seqs.length }, (_, i) => i + 1), "every seq once, in order, no gap");
}

describe("the web client across server restarts", () => {
  let A: UserPage;
  let B: UserPage;
  let users: Awaited<ReturnType<typeof buildCouple>>;

  before(async () => {
    users = await buildCouple(api(url));
    A = await openClient(browser, url);
    B = await openClient(browser, url, "/?transport=polling");
    await logIn(A.page, users.a);
    await logIn(B.page, users.b);
    await A.page.locator("#open-couple").click();
    await B.page.locator("#open-couple").click();
    await send(A.page, "before any restart");
    await message(B.page, "before any restart").waitFor();
  });

  let markers = 0;
  /**
   * Waits until whatever the page was still going to get has been handled, so that a late
   * duplicate (a replay racing a sync) would show: its catch-up requests (sync, history)
   * have ended, and a marker the partner posts after everything else has arrived over its
   * socket, behind anything a recovery replayed.
   */
  async function caughtUp(u: UserPage) {
    await waitFor(() => u.apiInFlight() === 0, "the page's API requests to end");
    const text = `marker ${++markers}`;
    const res = await api(url).post(`/api/chats/${users.chatId}/messages`, { text, client_message_id: `marker-${markers}` }, users.b.token);
    assert.equal(res.status, 201);
    await message(u.page, text).waitFor();
    await waitFor(() => u.apiInFlight() === 0, "the page's API requests to end");
  }

  /** Restarts the server while A is offline; the partner sends through the UI and over REST meanwhile. */
  async function restartWhileAOffline(signal: "SIGKILL" | "SIGTERM", tag: string) {
    const syncRunsBefore = Number(await dataset(A.page, "syncRuns"));
    const requests: string[] = [];
    const record = (r: { url(): string }) => {
      const u = new URL(r.url());
      if (u.pathname.startsWith("/api/")) requests.push(u.pathname + u.search);
    };
    A.page.on("request", record);
    await stopServer(signal);
    await A.page.waitForFunction(() => document.documentElement.dataset.connection === "reconnecting");
    await B.page.waitForFunction(() => document.documentElement.dataset.connection === "reconnecting");

    // B writes while the server is down: it waits in B's outbox with its client_message_id.
    const queued = `${tag}: written while the server was down`;
    const box = B.page.getByLabel("Message", { exact: true });
    await box.fill(queued);
    await box.press("Enter");
    await B.page.locator('#messages > li.pending[data-status="waiting"]', { hasText: queued }).waitFor();

    await A.context.setOffline(true);
    server = await startServer();
    await waitConnected(B.page);
    await message(B.page, queued).waitFor(); // delivered from the outbox once B is back
    const live = `${tag}: sent while A is reconnecting`;
    await send(B.page, live);
    const viaRest = `${tag}: posted over REST meanwhile`;
    const res = await api(url).post(`/api/chats/${users.chatId}/messages`, { text: viaRest, client_message_id: `rest-${tag}` }, users.b.token);
    assert.equal(res.status, 201);
    assert.equal(await dataset(A.page, "connection"), "reconnecting", "A was still away when B sent");

    await A.context.setOffline(false);
    await waitConnected(A.page, 30_000);
    for (const text of [queued, live, viaRest]) await message(A.page, text).waitFor();
    await caughtUp(A);
    await caughtUp(B);
    await assertExactlyOnceInOrder(A, ["before any restart", queued, live, viaRest]);
    await assertExactlyOnceInOrder(B, ["before any restart", queued, live, viaRest]);
    A.page.off("request", record);

    // And it is live again both ways.
    await send(A.page, `${tag}: A is back`);
    await message(B.page, `${tag}: A is back`).waitFor();
    return { syncRuns: Number(await dataset(A.page, "syncRuns")) - syncRunsBefore, recovered: await dataset(A.page, "recovered"), requests };
  }

  it("SIGKILL: not recoverable, so A catches up through /api/events/sync, each message once", async () => {
    const { syncRuns, recovered, requests } = await restartWhileAOffline("SIGKILL", "kill");
    assert.equal(recovered, "false");
    assert.ok(syncRuns >= 1, "ran the sync catch-up");
    assert.ok(requests.some((r) => /^\/api\/events\/sync\?since=\d+&epoch=[\w-]+&limit=\d+$/.test(r)), requests.join(" "));
    assert.ok(!requests.some((r) => r.includes("/messages")), `no history refetch needed: ${requests.join(" ")}`);
    assert.deepEqual(A.problems.filter((p) => !/ERR_INTERNET_DISCONNECTED|ERR_CONNECTION_REFUSED|WebSocket connection/.test(p)), []);
  });

  it("SIGTERM: sessions persisted, so Socket.IO recovers A and no sync is needed", async () => {
    const { syncRuns, recovered, requests } = await restartWhileAOffline("SIGTERM", "term");
    assert.equal(recovered, "true");
    assert.equal(syncRuns, 0);
    assert.deepEqual(requests.filter((r) => r.includes("/events/sync") || r.includes("/messages")), []);
  });

  it("a reload after all that still shows the whole history once", async () => {
    await A.page.reload();
    await waitConnected(A.page);
    await message(A.page, "term: A is back").waitFor();
    await caughtUp(A);
    await assertExactlyOnceInOrder(A, ["before any restart", "kill: sent while A is reconnecting", "term: posted over REST meanwhile"]);
  });
});
