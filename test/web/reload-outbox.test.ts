// A send that the server cannot acknowledge survives a reload of the page and is stored and
// shown exactly once (issue 16: the SDK's outbox, kept in localStorage by the web client).
// The page runs on long-polling so that the test can cut its Socket.IO traffic while its
// HTML, modules and REST calls still load (Playwright's routes see HTTP, not WebSocket):
//  - "drop-all": nothing reaches the server; the send waits in the outbox, the page reloads,
//    shows it as pending, and delivers it once the connection is back;
//  - "drop-acks": the send reaches the server and is stored, but the page never hears back;
//    after the reload the page resends it with the same client_message_id and the server
//    answers with the original (no second copy).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Browser, Page, Route } from "playwright-core";
import { buildCouple, type TestUser } from "../support/factories.ts";
import { startStack, type Stack } from "../support/stack.ts";
import { serverIdle, waitFor } from "../support/wait.ts";
import { launchBrowser, logIn, message, messageItems, openClient, send, waitConnected, type UserPage } from "./browser.ts";

let stack: Stack;
let browser: Browser;

before(async () => {
  [stack, browser] = await Promise.all([startStack(), launchBrowser()]);
});
after(async () => {
  await browser?.close();
  if (stack) await serverIdle(stack.server.app, 5000);
  await stack?.stop();
});

type Mode = "pass" | "drop-all" | "drop-acks";

/**
 * Routes the page's Engine.IO polling requests through the test. Every request is fetched by
 * the test, so an answer can still be dropped after the server has acted on the request.
 * Records the client_message_id of every send_message that reached the server.
 */
async function cuttable(u: UserPage) {
  const state = { mode: "pass" as Mode, reached: [] as string[] };
  const drop = (route: Route) => route.abort().catch(() => {});
  await u.context.route(/\/socket\.io\/\?EIO=/, async (route) => {
    const body = route.request().postData() ?? "";
    const isSend = body.includes('"send_message"');
    if (state.mode === "drop-all") return drop(route);
    // "drop-acks": everything passes until a send; from then on nothing comes back, so its ack
    // (on whichever long-poll carries it) is lost after the server has stored the message.
    if (isSend && state.mode === "drop-acks") state.mode = "drop-all";
    const res = await route.fetch({ timeout: 60_000 }).catch(() => null);
    if (isSend && res) state.reached.push(...[...body.matchAll(/"client_message_id":"([^"]+)"/g)].map((m) => m[1]!));
    if (!res || state.mode === "drop-all") return drop(route);
    return route.fulfill({ response: res }).catch(() => {});
  });
  return state;
}

const outbox = (page: Page) => page.evaluate(() => JSON.parse(localStorage.getItem("chat.outbox") ?? "[]") as { client_message_id: string; payload: { text: string } }[]);

async function storedCopies(user: TestUser, chatId: string, text: string) {
  const res = await stack.api.get(`/api/chats/${chatId}/messages/latest?count=100`, user.token);
  assert.equal(res.status, 200);
  return (res.body.messages as { text: string; client_message_id: string }[]).filter((m) => m.text === text);
}

async function assertShownOnceInOrder(page: Page, text: string) {
  await message(page, text).waitFor();
  assert.equal(await message(page, text).count(), 1, `"${text}" shown once`);
  assert.equal(await page.locator("#messages > li.pending", { hasText: text }).count(), 0, "no pending copy beside it");
  const seqs = (await messageItems(page).evaluateAll((els) => els.map((el) => Number((el as HTMLElement).dataset.seq)))) as number[];
  assert.deepEqual(seqs, Array.from({ length: seqs.length }, (_, i) => i + 1), "every seq once, in order");
}

describe("a send pending across a reload", () => {
  let A: UserPage;
  let users: Awaited<ReturnType<typeof buildCouple>>;
  let cut: Awaited<ReturnType<typeof cuttable>>;

  before(async () => {
    users = await buildCouple(stack.api);
    A = await openClient(browser, stack.url, "/?transport=polling");
    cut = await cuttable(A);
    await logIn(A.page, users.a);
    await A.page.locator("#open-couple").click();
    await send(A.page, "before the cut");
  });

  it("never reached the server: shown pending after the reload, delivered once when the connection is back", async () => {
    const text = "written with no connection";
    cut.mode = "drop-all";
    const box = A.page.getByLabel("Message", { exact: true });
    await box.fill(text);
    await box.press("Enter");
    await A.page.locator("#messages > li.pending", { hasText: text }).waitFor();
    await waitFor(async () => (await outbox(A.page)).some((e) => e.payload.text === text), "the send kept in localStorage");
    await A.page.waitForFunction(() => document.documentElement.dataset.connection === "reconnecting");
    const [entry] = (await outbox(A.page)).filter((e) => e.payload.text === text);

    await A.page.reload();
    await A.page.locator('#messages > li.pending[data-status="waiting"]', { hasText: text }).waitFor();
    assert.deepEqual(await storedCopies(users.a, users.chatId, text), [], "nothing reached the server yet");
    assert.equal(cut.reached.includes(entry!.client_message_id), false);

    cut.mode = "pass";
    await waitConnected(A.page, 30_000);
    await assertShownOnceInOrder(A.page, text);
    await waitFor(async () => (await outbox(A.page)).length === 0, "the outbox emptied");
    const copies = await storedCopies(users.a, users.chatId, text);
    assert.equal(copies.length, 1, "stored once");
    assert.equal(copies[0]!.client_message_id, entry!.client_message_id, "with the id it was given when typed");
  });

  it("stored but never acknowledged: resent after the reload with the same id, stored and shown once", async () => {
    const text = "sent, but the ack was lost";
    cut.mode = "drop-acks";
    const box = A.page.getByLabel("Message", { exact: true });
    await box.fill(text);
    await box.press("Enter");
    await A.page.locator("#messages > li.pending", { hasText: text }).waitFor();
    await waitFor(async () => (await storedCopies(users.a, users.chatId, text)).length === 1, "the server stored it");
    await A.page.waitForFunction(() => document.documentElement.dataset.connection === "reconnecting");
    const [entry] = (await outbox(A.page)).filter((e) => e.payload.text === text);
    assert.ok(entry, "still in the outbox: no ack came");
    assert.equal(cut.mode, "drop-all");

    await A.page.reload();
    // The history page has the stored copy: it shows once, as a message, while the send is still pending.
    await assertShownOnceInOrder(A.page, text);
    assert.deepEqual((await outbox(A.page)).map((e) => e.client_message_id), [entry!.client_message_id], "still pending after the reload");

    const reachedBefore = cut.reached.filter((id) => id === entry!.client_message_id).length;
    cut.mode = "pass";
    await waitConnected(A.page, 30_000);
    await waitFor(async () => (await outbox(A.page)).length === 0, "acknowledged: the outbox emptied");
    assert.ok(cut.reached.filter((id) => id === entry!.client_message_id).length > reachedBefore, "resent with the same client_message_id");
    assert.equal((await storedCopies(users.a, users.chatId, text)).length, 1, "the server kept one copy");
    await send(A.page, "after the reconnect");
    await assertShownOnceInOrder(A.page, text);
    assert.deepEqual(A.problems.filter((p) => !/ERR_FAILED|ERR_INTERNET_DISCONNECTED|net::/.test(p)), []);
  });
});
