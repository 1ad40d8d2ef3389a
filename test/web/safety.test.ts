// The web client's safety and account-security features (issue 15) end to end: blocking from
// a DM (the composer's send refused with a sentence, the settings list, unblocking), hiding a
// blocked user's group messages, breaking up (the other page's chat turns read-only live),
// reporting a message (the group's owner sees the report), the sessions panel (ending
// another login logs that page out) and a password change. Real server (SQLite), headless
// Chromium.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Browser, Page } from "playwright-core";
import { messagePaths } from "../support/conversations.ts";
import { buildCouple, buildGroup, buildUser, type TestUser } from "../support/factories.ts";
import { startStack, type Stack } from "../support/stack.ts";
import { serverIdle } from "../support/wait.ts";
import { launchBrowser, logIn, message, openClient, send, type UserPage } from "./browser.ts";
import { buildOperator, newOperatorId } from "../moderation/operator.ts";

const OPERATOR = newOperatorId();

let stack: Stack;
let browser: Browser;
const pages: UserPage[] = [];

before(async () => {
  [stack, browser] = await Promise.all([startStack({ env: { ADMIN_USER_IDS: OPERATOR } }), launchBrowser()]);
});
after(async () => {
  await browser?.close();
  if (stack) await serverIdle(stack.server.app, 5000);
  await stack?.stop();
});

async function loggedIn(user: TestUser) {
  const p = await openClient(browser, stack.url);
  pages.push(p);
  await logIn(p.page, user);
  return p;
}

/** Opens the DM with `other` through "Find someone". */
async function openDm(page: Page, other: TestUser) {
  await page.locator("#lookup-input").fill(other.username);
  await page.locator("#lookup-form").getByRole("button", { name: "Find" }).click();
  await page.locator(`#lookup-result [data-user="${other.username}"]`).getByRole("button", { name: "Message" }).click();
  await page.locator("#conv-title").filter({ hasText: other.display_name }).waitFor();
}

let sent = 0;
async function post(user: TestUser, path: string, text: string) {
  const res = await stack.api.post(path, { text, client_message_id: `s-${++sent}` }, user.token);
  assert.equal(res.status, 201, JSON.stringify(res.body));
}

async function openSettings(page: Page) {
  await page.getByRole("button", { name: "Settings" }).click();
  await page.locator("#settings-dialog[open]").waitFor();
}

describe("blocking", () => {
  it("blocks from a DM header: the send is refused with a sentence, the settings list shows the user; unblocking restores", async () => {
    const [a, b] = await Promise.all([buildUser(stack.api), buildUser(stack.api)]);
    const A = await loggedIn(a);
    await openDm(A.page, b);
    await send(A.page, "hi before the block");

    await A.page.locator("#block-user").click();
    await A.page.locator('#block-user[data-blocked="true"]').waitFor();
    await A.page.locator("#composer-note").filter({ hasText: `You blocked ${b.display_name}` }).waitFor();

    const box = A.page.getByLabel("Message", { exact: true });
    await box.fill("are you there?");
    await box.press("Enter");
    await A.page.locator("#messages li.pending.failed").filter({ hasText: "one of you has blocked the other" }).waitFor();

    await openSettings(A.page);
    const row = A.page.locator(`#blocked-list [data-user="${b.id}"]`);
    await row.filter({ hasText: b.display_name }).waitFor();
    const me = await stack.api.get("/api/users/me", a.token);
    assert.deepEqual(me.body.blocked_user_ids, [b.id]);

    await row.getByRole("button", { name: "Unblock" }).click();
    await row.waitFor({ state: "detached" });
    await A.page.locator("#blocked-list").filter({ hasText: "You haven't blocked anyone." }).waitFor();
    await A.page.locator("#settings-close").click();
    await A.page.locator('#block-user[data-blocked="false"]').waitFor();
    assert.equal(await A.page.locator("#composer-note").isHidden(), true);
    // The failed one can be retried now.
    await A.page.locator("#messages li.pending.failed").getByRole("button", { name: "Retry" }).click();
    await message(A.page, "are you there?").waitFor();
    assert.deepEqual(A.problems, []);
  });

  it("hides a blocked user's group messages behind a stub, blocked from the message's menu", async () => {
    const [a, b, c] = await Promise.all([buildUser(stack.api), buildUser(stack.api), buildUser(stack.api)]);
    const group = await buildGroup(stack.api, c, [a, b], { name: "Hidden" });
    await post(b, messagePaths("group", group).post, "from b");
    await post(c, messagePaths("group", group).post, "from c");
    const A = await loggedIn(a);
    await A.page.locator(`#group-list [data-group="${group}"]`).click();
    const fromB = message(A.page, "from b");
    await fromB.hover();
    await fromB.getByRole("button", { name: "Block" }).click();
    await A.page.locator("#messages li.hidden-blocked").filter({ hasText: "Hidden: blocked user" }).waitFor();
    assert.equal(await A.page.locator("#messages").getByText("from b").count(), 0);
    await message(A.page, "from c").waitFor();
    // A new one from b arrives hidden too.
    await post(b, messagePaths("group", group).post, "still b");
    await A.page.locator("#messages li.hidden-blocked").nth(1).waitFor();
    assert.equal(await A.page.locator("#messages").getByText("still b").count(), 0);
  });
});

describe("break up", () => {
  it("breaks up from one page (with a confirm); the other page's chat turns read-only live", async () => {
    const { a, b } = await buildCouple(stack.api);
    const [A, B] = [await loggedIn(a), await loggedIn(b)];
    for (const P of [A, B]) await P.page.locator("#open-couple").click();
    await send(A.page, "we need to talk");
    await message(B.page, "we need to talk").waitFor();

    await A.page.locator("#break-up").click();
    await A.page.locator("#break-up").filter({ hasText: "Really break up?" }).waitFor();
    await A.page.locator("#break-up").click();

    for (const P of [A, B]) {
      await P.page.locator("#composer-note").filter({ hasText: "read-only" }).waitFor();
      assert.equal(await P.page.getByLabel("Message", { exact: true }).isDisabled(), true);
      await message(P.page, "we need to talk").waitFor(); // the history stays
      assert.equal(await P.page.locator("#open-couple").count(), 0);
    }
    await B.page.locator("#toasts").filter({ hasText: "ended the partnership" }).waitFor();
    const me = await stack.api.get("/api/users/me", b.token);
    assert.equal(me.body.partner_id, null);
  });
});

describe("reports", () => {
  it("reports a message with a reason and a note; the group's owner sees the report", async () => {
    const [owner, a, b] = await Promise.all([buildUser(stack.api), buildUser(stack.api), buildUser(stack.api)]);
    const group = await buildGroup(stack.api, owner, [a, b], { name: "Reported" });
    await post(b, messagePaths("group", group).post, "buy cheap stuff");
    const A = await loggedIn(a);
    await A.page.locator(`#group-list [data-group="${group}"]`).click();
    const item = message(A.page, "buy cheap stuff");
    await item.hover();
    await item.getByRole("button", { name: "Report" }).click();
    await A.page.locator("#report-dialog[open]").waitFor();
    await A.page.getByLabel("Reason").selectOption("spam");
    await A.page.getByLabel("Note").fill("ads all day");
    await A.page.getByRole("button", { name: "Send report" }).click();
    await A.page.locator("#report-dialog").waitFor({ state: "hidden" });
    await A.page.locator("#toasts").filter({ hasText: "your report was sent" }).waitFor();

    const res = await stack.api.get(`/api/groups/${group}/reports`, owner.token);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const reports = res.body.reports as { reason: string; note: string | null; reporter_id: string; target: { type: string; message_id?: string } }[];
    assert.equal(reports.length, 1);
    assert.equal(reports[0]?.reason, "spam");
    assert.equal(reports[0]?.note, "ads all day");
    assert.equal(reports[0]?.reporter_id, a.id);
    assert.equal(reports[0]?.target.type, "message");
  });

  it("the owner's report queue shows a new report live and bans its sender from it; members see no queue", async () => {
    const [owner, a, b] = await Promise.all([buildUser(stack.api), buildUser(stack.api), buildUser(stack.api)]);
    const group = await buildGroup(stack.api, owner, [a, b], { name: "Queue" });
    await post(b, messagePaths("group", group).post, "spam spam spam");
    const [O, A] = [await loggedIn(owner), await loggedIn(a)];
    await A.page.locator(`#group-list [data-group="${group}"]`).click();
    await A.page.locator("#conv-title").filter({ hasText: "Queue" }).waitFor();
    assert.equal(await A.page.locator("#group-reports").isHidden(), true, "a member has no report queue");
    await O.page.locator(`#group-list [data-group="${group}"]`).click();
    await O.page.locator("#group-reports").click();
    await O.page.locator("#reports-dialog[open]").waitFor();
    await O.page.locator("#report-list").filter({ hasText: "No open reports." }).waitFor();

    const item = message(A.page, "spam spam spam");
    await item.hover();
    await item.getByRole("button", { name: "Report" }).click();
    await A.page.getByLabel("Reason").selectOption("spam");
    await A.page.getByRole("button", { name: "Send report" }).click();

    // group_report_filed reaches the owner's open queue: no reload.
    const report = O.page.locator("#report-list .report").filter({ hasText: "spam spam spam" });
    await report.waitFor();
    assert.equal(await report.getByRole("button", { name: "Suspend account" }).count(), 0, "suspending is for operators");
    await report.getByRole("button", { name: "Ban" }).click();
    await O.page.locator("#report-list").filter({ hasText: "No open reports." }).waitFor();
    const bans = await stack.api.get(`/api/groups/${group}/bans`, owner.token);
    assert.deepEqual((bans.body.bans as { user_id: string }[]).map((x) => x.user_id), [b.id]);
    const resolved = await stack.api.get(`/api/groups/${group}/reports?status=resolved`, owner.token);
    assert.equal((resolved.body.reports as { resolution: { action: string } }[])[0]?.resolution.action, "ban_from_group");
  });

  it("an operator finds the moderation queue in Settings and suspends a reported user; others have no such section", async () => {
    const operator = await buildOperator(stack.api, stack.server.app.services.storage, OPERATOR);
    const [a, b] = await Promise.all([buildUser(stack.api), buildUser(stack.api)]);
    const filed = await stack.api.post("/api/reports", { target: { type: "user", user_id: b.id }, reason: "impersonation" }, a.token);
    assert.equal(filed.status, 201, JSON.stringify(filed.body));
    const A = await loggedIn(a);
    await openSettings(A.page);
    await A.page.locator("#audit-list li").first().waitFor();
    assert.equal(await A.page.locator("#operator-section").isHidden(), true);

    const Op = await loggedIn(operator);
    await openSettings(Op.page);
    await Op.page.getByRole("button", { name: "Moderation queue" }).click();
    await Op.page.locator("#reports-dialog[open]").waitFor();
    const report = Op.page.locator(`#report-list .report`).filter({ hasText: `User ${b.id}` });
    await report.getByRole("button", { name: "Suspend account" }).click();
    await report.waitFor({ state: "detached" });
    const login = await stack.api.post("/api/auth/login", { username: b.phone, password: b.password });
    assert.equal(login.status, 403, JSON.stringify(login.body));
  });
});

describe("sessions and password", () => {
  it("lists two logins; ending the other one logs that page out", async () => {
    const a = await buildUser(stack.api);
    const [A1, A2] = [await loggedIn(a), await loggedIn(a)];
    await openSettings(A1.page);
    const rows = A1.page.locator("#session-list [data-session]");
    // The factory's registration is a session too: three in all, this one marked.
    await A1.page.locator('#session-list [data-current="true"]').filter({ hasText: "(this device)" }).waitFor();
    assert.ok((await rows.count()) >= 2);
    const ids = await rows.evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.session));
    // Which one is A2's: the one whose access token A2 holds says so itself.
    const a2Current = await A2.page.evaluate(async () => {
      const s = JSON.parse(localStorage.getItem("chat.auth") ?? "null");
      const r = await fetch("/api/auth/sessions", { headers: { authorization: `Bearer ${s.access_token}` } });
      return ((await r.json()).sessions as { id: string; current: boolean }[]).find((x) => x.current)?.id;
    });
    assert.ok(a2Current && ids.includes(a2Current));
    await A1.page.locator(`#session-list [data-session="${a2Current}"]`).getByRole("button", { name: "End" }).click();
    await A1.page.locator(`#session-list [data-session="${a2Current}"]`).waitFor({ state: "detached" });

    // A2: its sockets get session_ended, and the page goes back to the login form.
    await A2.page.locator("#login-form").waitFor();
    await A2.page.locator("#toasts").filter({ hasText: "ended from another device" }).waitFor();
    assert.equal(await A1.page.locator("#app-screen").isVisible(), true);
  });

  it("a password change keeps this page logged in and ends the other; the audit shows it", async () => {
    const a = await buildUser(stack.api);
    const [A1, A2] = [await loggedIn(a), await loggedIn(a)];
    await openSettings(A1.page);
    await A1.page.getByLabel("Current password").fill("wrong password here");
    await A1.page.getByLabel("New password").fill("a brand new secret");
    await A1.page.getByRole("button", { name: "Change password" }).click();
    await A1.page.locator("#settings-status").filter({ hasText: "That is not your current password." }).waitFor();

    await A1.page.getByLabel("Current password").fill(a.password);
    await A1.page.getByLabel("New password").fill("a brand new secret");
    await A1.page.getByRole("button", { name: "Change password" }).click();
    await A1.page.locator("#settings-status").filter({ hasText: "Password changed." }).waitFor();
    await A2.page.locator("#login-form").waitFor();
    await A1.page.locator('#audit-list [data-type="password_changed"]').waitFor();
    assert.equal(await A1.page.locator("#audit-list li").first().getAttribute("data-type"), "password_changed");
    await A1.page.locator("#settings-close").click();
    // Still logged in and live.
    await A1.page.waitForFunction(() => document.documentElement.dataset.connection === "connected");
    const login = await stack.api.post("/api/auth/login", { username: a.phone, password: "a brand new secret" });
    assert.equal(login.status, 200);
  });
});

describe("group moderation", () => {
  it("the owner mutes and bans a member from the message menu; the member is told live; the bans dialog unbans", async () => {
    const [owner, m] = await Promise.all([buildUser(stack.api), buildUser(stack.api)]);
    const group = await buildGroup(stack.api, owner, [m], { name: "Moderated" });
    await post(m, messagePaths("group", group).post, "noisy");
    const [O, M] = [await loggedIn(owner), await loggedIn(m)];
    for (const P of [O, M]) await P.page.locator(`#group-list [data-group="${group}"]`).click();
    assert.equal(await M.page.locator("#group-bans").isHidden(), true);

    const item = message(O.page, "noisy");
    await item.hover();
    await item.getByRole("button", { name: "Mute 1 h" }).click();
    await M.page.locator("#composer-note").filter({ hasText: "muted you here" }).waitFor();
    const box = M.page.getByLabel("Message", { exact: true });
    await box.fill("let me talk");
    await box.press("Enter");
    await M.page.locator("#messages li.pending.failed").filter({ hasText: "A group admin muted you here" }).waitFor();
    await item.hover();
    await item.getByRole("button", { name: "Unmute sender" }).click();
    await M.page.locator("#composer-note").waitFor({ state: "hidden" });

    await item.hover();
    await item.getByRole("button", { name: "Ban" }).click();
    await M.page.locator("#toasts").filter({ hasText: "You were banned from Moderated" }).waitFor();
    await M.page.locator(`#group-list [data-group="${group}"]`).waitFor({ state: "detached" });

    await O.page.locator("#group-bans").click();
    const row = O.page.locator(`#ban-list [data-user="${m.id}"]`);
    await row.filter({ hasText: m.display_name }).waitFor();
    await row.getByRole("button", { name: "Unban" }).click();
    await O.page.locator("#ban-list").filter({ hasText: "Nobody is banned." }).waitFor();
    const bans = await stack.api.get(`/api/groups/${group}/bans`, owner.token);
    assert.deepEqual(bans.body.bans, []);
  });
});

describe("export", () => {
  it("downloads the account's archive; a second export within the hour says to wait", async () => {
    const a = await buildUser(stack.api);
    const A = await loggedIn(a);
    await openSettings(A.page);
    const [download] = await Promise.all([A.page.waitForEvent("download"), A.page.getByRole("button", { name: "Export my data" }).click()]);
    assert.equal(download.suggestedFilename(), `export-${a.id}.tar`);
    const path = await download.path();
    const { readFile } = await import("node:fs/promises");
    const tar = await readFile(path);
    assert.ok(tar.includes(Buffer.from("account.json")), "the archive has account.json");
    await A.page.locator("#settings-status").filter({ hasText: `Downloaded export-${a.id}.tar.` }).waitFor();
    await A.page.getByRole("button", { name: "Export my data" }).click();
    await A.page.locator("#settings-status.error").filter({ hasText: "Too many attempts" }).waitFor();
  });
});

describe("account deletion", () => {
  it("asks for the password; a wrong one is refused with a sentence, the right one deletes and logs out every page", async () => {
    const a = await buildUser(stack.api);
    const [A1, A2] = [await loggedIn(a), await loggedIn(a)];
    await openSettings(A1.page);
    await A1.page.getByLabel("Password to confirm").fill("not my password");
    await A1.page.getByRole("button", { name: "Delete my account" }).click();
    await A1.page.locator("#settings-status").filter({ hasText: "That is not your current password." }).waitFor();
    await A1.page.getByLabel("Password to confirm").fill(a.password);
    await A1.page.getByRole("button", { name: "Delete my account" }).click();
    await A1.page.locator("#toasts").filter({ hasText: "Your account was deleted." }).waitFor();
    for (const P of [A1, A2]) await P.page.locator("#login-form").waitFor();
    const login = await stack.api.post("/api/auth/login", { username: a.phone, password: a.password });
    assert.notEqual(login.status, 200);
  });
});
