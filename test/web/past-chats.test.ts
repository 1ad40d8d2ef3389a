// Past couple chats in the web client: after a break-up the couple chat is read-only history
// for both (issue 15), listed under "Past chats" (GET /api/chats), also once each has a new
// partner. Opening one shows its history (older pages too) with the composer disabled; the
// list follows a break-up live (partner_unlinked) and a chat reopened when the same two link
// again (partner_linked). Real server (SQLite), headless Chromium.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Browser, Page } from "playwright-core";
import { buildCouple, buildUser, type TestUser } from "../support/factories.ts";
import { startStack, type Stack } from "../support/stack.ts";
import { serverIdle } from "../support/wait.ts";
import { launchBrowser, logIn, message, messageItems, openClient, type UserPage } from "./browser.ts";

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

async function loggedIn(user: TestUser): Promise<UserPage> {
  const p = await openClient(browser, stack.url);
  await logIn(p.page, user);
  return p;
}

async function link(from: TestUser, to: TestUser) {
  const req = await stack.api.post("/api/partners/request", { recipient_id: to.id }, from.token);
  assert.equal(req.status, 201, JSON.stringify(req.body));
  const ok = await stack.api.post(`/api/partners/requests/${req.body.id}/respond`, { action: "accept" }, to.token);
  assert.equal(ok.status, 204, JSON.stringify(ok.body));
}

async function breakUp(user: TestUser) {
  const res = await stack.api.post("/api/partners/break-up", {}, user.token);
  assert.equal(res.status, 200, JSON.stringify(res.body));
}

const pastItem = (page: Page, chatId: string) => page.locator(`#past-list [data-past-chat="${chatId}"]`);

/** Scrolls the message list to the top until the first page is in. */
async function scrollToBeginning(page: Page) {
  for (let i = 0; i < 15 && !(await page.getByText("This is the beginning of the conversation.").isVisible()); i++) {
    await page.locator("#messages-scroll").evaluate((el) => el.scrollTo(0, 0));
    await page.waitForTimeout(300);
  }
}

async function expectReadOnly(page: Page) {
  await page.locator("#composer-note").filter({ hasText: "read-only history" }).waitFor();
  assert.equal(await page.getByLabel("Message", { exact: true }).isDisabled(), true);
  assert.equal(await page.locator("#send").isDisabled(), true);
  assert.equal(await page.locator("#break-up").isVisible(), false);
  assert.equal(await page.locator("#conv-actions").isVisible(), false, "no mode or ping in a closed chat");
}

describe("past chats", () => {
  it("lists the chat with a former partner after a break-up and a new partner; it opens read-only with its history and older pages, on both sides", async () => {
    const { a, b, chatId } = await buildCouple(stack.api);
    const c = await buildUser(stack.api);
    for (let i = 1; i <= 60; i++) {
      const from = i % 2 ? a : b;
      const res = await stack.api.post(`/api/chats/${chatId}/messages`, { text: `old ${i}`, client_message_id: `old-${i}` }, from.token);
      assert.equal(res.status, 201, JSON.stringify(res.body));
    }

    const A = await loggedIn(a);
    assert.equal(await A.page.locator("#past-panel").isVisible(), false, "no past chats yet");
    await A.page.locator("#open-couple").waitFor();

    // The break-up reaches A's page live, then A links with C.
    await breakUp(b);
    await pastItem(A.page, chatId).filter({ hasText: b.display_name }).waitFor();
    await link(a, c);
    await A.page.locator("#open-couple").filter({ hasText: c.display_name }).waitFor();
    await A.page.locator("#past-panel h2").filter({ hasText: "Past chats" }).waitFor();
    const item = pastItem(A.page, chatId);
    await item.filter({ hasText: b.display_name }).filter({ hasText: "last message" }).waitFor();
    assert.equal(await A.page.locator("#past-list li").count(), 1, "the chat with C is not a past one");

    await item.click();
    await A.page.locator("#conv-title").filter({ hasText: b.display_name }).waitFor();
    await message(A.page, "old 60").waitFor();
    assert.equal(await item.getAttribute("aria-current"), "true");
    await expectReadOnly(A.page);
    // No reply, reaction or edit offered in a read-only chat.
    const last = message(A.page, "old 59");
    await last.hover();
    assert.equal(await last.getByRole("button", { name: /Reply|React|Edit/ }).count(), 0);

    await scrollToBeginning(A.page);
    const seqs = (await messageItems(A.page).evaluateAll((els) => els.map((el) => Number((el as HTMLElement).dataset.seq)))) as number[];
    assert.deepEqual(seqs, Array.from({ length: 60 }, (_, i) => i + 1), "older page loaded");
    await message(A.page, "old 1").waitFor();

    // The open chat with C is still a normal one.
    await A.page.locator("#open-couple").click();
    await A.page.locator("#conv-title").filter({ hasText: c.display_name }).waitFor();
    await A.page.locator("#composer-note").waitFor({ state: "hidden" });
    assert.equal(await A.page.getByLabel("Message", { exact: true }).isDisabled(), false);

    // B logs in after it all: the list comes from GET /api/chats.
    const B = await loggedIn(b);
    await pastItem(B.page, chatId).filter({ hasText: a.display_name }).click();
    await message(B.page, "old 60").waitFor();
    await expectReadOnly(B.page);

    // A reload keeps the past chat open.
    await B.page.reload();
    await B.page.locator("#conv-title").filter({ hasText: a.display_name }).waitFor();
    await message(B.page, "old 60").waitFor();
    await expectReadOnly(B.page);

    for (const P of [A, B]) assert.deepEqual(P.problems, []);
    await Promise.all([A.context.close(), B.context.close()]);
  });

  it("follows a break-up on the open chat live, and the same two linking again reopens it", async () => {
    const { a, b, chatId } = await buildCouple(stack.api);
    const res = await stack.api.post(`/api/chats/${chatId}/messages`, { text: "before", client_message_id: "before-1" }, a.token);
    assert.equal(res.status, 201);
    const [A, B] = [await loggedIn(a), await loggedIn(b)];
    await A.page.locator("#open-couple").click();
    await message(A.page, "before").waitFor();

    await breakUp(a);
    for (const [P, other] of [[A, b], [B, a]] as const) await pastItem(P.page, chatId).filter({ hasText: other.display_name }).waitFor();
    await expectReadOnly(A.page);
    assert.equal(await pastItem(A.page, chatId).getAttribute("aria-current"), "true", "the open chat is now the past one");

    await link(b, a);
    for (const P of [A, B]) {
      await P.page.locator("#open-couple").waitFor();
      await P.page.locator("#past-panel").waitFor({ state: "hidden" });
    }
    await A.page.locator("#composer-note").waitFor({ state: "hidden" });
    assert.equal(await A.page.getByLabel("Message", { exact: true }).isDisabled(), false);
    const box = A.page.getByLabel("Message", { exact: true });
    await box.fill("together again");
    await box.press("Enter");
    await B.page.locator("#open-couple").click();
    await message(B.page, "together again").waitFor();
    await message(B.page, "before").waitFor();

    for (const P of [A, B]) assert.deepEqual(P.problems, []);
    await Promise.all([A.context.close(), B.context.close()]);
  });
});
