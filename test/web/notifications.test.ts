// The web client's notifications end to end (issue 14): unread badges, the total in the title,
// mention marks, mutes, the "Notify me" button and the service worker. Real server (SQLite),
// headless Chromium; the other user writes over REST, the user's other devices are a second
// page or a bare socket. Headless Chromium reaches no push service (a Playwright context is
// like a private window, and this machine has no Google services), so the real subscribe is
// not tested here: a stub stands in for the browser's PushManager where the server side of
// the button is tested, and a push is delivered to the service worker through the DevTools
// protocol (ServiceWorker.deliverPushMessage), as the browser does with a real one.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Browser, Page, Worker } from "playwright-core";
import { connectAs, requestOk, type ChatClient } from "../support/clients.ts";
import { messagePaths } from "../support/conversations.ts";
import { buildGroup, buildUser, dmIdOf, type TestUser } from "../support/factories.ts";
import { startStack, type Stack } from "../support/stack.ts";
import { anotherDevice, unreadSummary } from "../support/unread.ts";
import { serverIdle, waitFor } from "../support/wait.ts";
import { launchBrowser, logIn, message, openClient, type UserPage } from "./browser.ts";

let stack: Stack;
let browser: Browser;
const sockets: ChatClient[] = [];
const TITLE = "Chat — web client";

before(async () => {
  // PUSH_SENDER=log: a subscription registered by a test never makes the server call out.
  [stack, browser] = await Promise.all([startStack({ env: { PUSH_SENDER: "log" } }), launchBrowser()]);
});
after(async () => {
  for (const s of sockets) s.disconnect();
  await browser?.close();
  if (stack) await serverIdle(stack.server.app, 5000);
  await stack?.stop();
});

const client = (path = "/") => openClient(browser, stack.url, path);

let sent = 0;
/** Posts a message over REST as `user`; returns it. */
async function post(user: TestUser, path: string, text: string) {
  const res = await stack.api.post(path, { text, client_message_id: `n-${++sent}` }, user.token);
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body as { id: string; seq: number; mentions: string[] };
}

/** A socket of another login of `user` (another device). */
async function otherDeviceSocket(user: TestUser, ns: "couples" | "groups" | "dm") {
  const socket = await connectAs(stack.url, ns, await anotherDevice(stack.api, user));
  sockets.push(socket);
  return socket;
}

const dmItem = (page: Page, dmId: string) => page.locator(`#dm-list [data-dm="${dmId}"]`);
const groupItem = (page: Page, groupId: string) => page.locator(`#group-list [data-group="${groupId}"]`);
const countIn = (item: ReturnType<typeof dmItem>, n: number) => item.locator(".badge.count").filter({ hasText: new RegExp(`^${n}$`) });
const titleIs = (page: Page, title: string) => page.waitForFunction((t) => document.title === t, title);

describe("unread badges", () => {
  let a: TestUser;
  let b: TestUser;
  let dm: string;
  let group: string;
  let A1: UserPage;

  before(async () => {
    [a, b] = await Promise.all([buildUser(stack.api), buildUser(stack.api)]);
    dm = dmIdOf(a, b);
    group = await buildGroup(stack.api, b, [a], { name: "Plans" });
    A1 = await client();
    await logIn(A1.page, a);
  });

  it("counts messages from another user live, marks a mention, and shows the total in the title", async () => {
    await post(b, messagePaths("dm", dm).post, "are you there?");
    await post(b, messagePaths("dm", dm).post, "hello?");
    // A new DM thread appears with its count (new_message, then unread_update).
    await countIn(dmItem(A1.page, dm), 2).waitFor();
    await titleIs(A1.page, `(2) ${TITLE}`);

    const m = await post(b, messagePaths("group", group).post, `@${a.username} dinner at 8?`);
    assert.deepEqual(m.mentions, [a.id]);
    await countIn(groupItem(A1.page, group), 1).waitFor();
    await groupItem(A1.page, group).locator(".badge.mention").waitFor();
    await titleIs(A1.page, `(3) ${TITLE}`);
    assert.equal(await A1.page.evaluate(() => document.documentElement.dataset.unread), "3");
  });

  it("shows the same counts on a device that logs in later (GET /api/unread)", async () => {
    const A2 = await client();
    await logIn(A2.page, a);
    await countIn(dmItem(A2.page, dm), 2).waitFor();
    await countIn(groupItem(A2.page, group), 1).waitFor();
    await titleIs(A2.page, `(3) ${TITLE}`);

    // Read on that device: the badge clears on the first one (unread_update to every device).
    await dmItem(A2.page, dm).click();
    await message(A2.page, "hello?").waitFor();
    await dmItem(A1.page, dm).locator(".badge.count").waitFor({ state: "detached" });
    await titleIs(A1.page, `(1) ${TITLE}`);
    await A2.context.close();
  });

  it("clears a read made by a bare socket of the same user, mention mark included", async () => {
    const socket = await otherDeviceSocket(a, "groups");
    await requestOk(socket, "mark_read", { chat_id: group, seq: 1 });
    await groupItem(A1.page, group).locator(".badge").first().waitFor({ state: "detached" });
    await titleIs(A1.page, TITLE);
    assert.equal((await unreadSummary(stack.api, a.token)).total, 0);
  });

  it("highlights a message that mentions the user, and its own read clears the count", async () => {
    await post(b, messagePaths("group", group).post, "no mention here");
    await post(b, messagePaths("group", group).post, `look @${a.username}`);
    await countIn(groupItem(A1.page, group), 2).waitFor();
    await groupItem(A1.page, group).click();
    await message(A1.page, `look @${a.username}`).and(A1.page.locator(".mention")).waitFor();
    assert.equal(await message(A1.page, "no mention here").getAttribute("class"), "msg other");
    // The open conversation is read here (mark_read), so nothing is left anywhere.
    await groupItem(A1.page, group).locator(".badge").first().waitFor({ state: "detached" });
    await titleIs(A1.page, TITLE);
    await waitFor(async () => (await unreadSummary(stack.api, a.token)).total === 0, "the server agrees: nothing unread");
    // A message in the conversation being read does not light the badge up.
    await post(b, messagePaths("group", group).post, "while you look");
    await message(A1.page, "while you look").waitFor();
    await waitFor(async () => (await unreadSummary(stack.api, a.token)).total === 0, "read at once");
    assert.equal(await groupItem(A1.page, group).locator(".badge.count").count(), 0);
    assert.deepEqual(A1.problems, []);
  });

  it("counts new messages itself in a group of more than 25 members (the server sends no update for those)", async () => {
    const extra = await Promise.all(Array.from({ length: 25 }, () => buildUser(stack.api)));
    const big = await buildGroup(stack.api, b, [a, ...extra], { name: "Town hall" });
    const A = await client();
    await logIn(A.page, a);
    await groupItem(A.page, big).waitFor();
    const paths = messagePaths("group", big);
    await post(b, paths.post, "announcement 1");
    const second = await post(b, paths.post, "announcement 2");
    await countIn(groupItem(A.page, big), 2).waitFor();
    assert.equal((await unreadSummary(stack.api, a.token)).conversations.find((c) => c.conversation_id === big)?.unread_count, 2);
    // A deleted message it counted no longer counts.
    assert.equal((await stack.api.del(paths.item(second.id), b.token)).status, 200);
    await countIn(groupItem(A.page, big), 1).waitFor();
    // Reads always send an update, whatever the size: another device's read clears it.
    const socket = await otherDeviceSocket(a, "groups");
    await requestOk(socket, "mark_read", { chat_id: big, seq: 2 });
    await groupItem(A.page, big).locator(".badge.count").waitFor({ state: "detached" });
    await A.context.close();
  });
});

describe("mute", () => {
  it("mutes for 8 hours and for good, and unmutes; the lists, the other device and GET /api/unread agree", async () => {
    const [a, b] = await Promise.all([buildUser(stack.api), buildUser(stack.api)]);
    const dm = dmIdOf(a, b);
    const group = await buildGroup(stack.api, b, [a], { name: "Quiet please" });
    await post(b, messagePaths("dm", dm).post, "first");
    const A = await client();
    const A2 = await client();
    await logIn(A.page, a);
    await logIn(A2.page, a);
    const muteIn = async (choice: string) => {
      await A.page.locator("#mute-button").click();
      await A.page.getByRole("button", { name: choice, exact: true }).click();
    };
    const serverMute = async () => (await unreadSummary(stack.api, a.token)).conversations.find((c) => c.conversation_id === dm)?.muted_until ?? null;

    await dmItem(A.page, dm).click();
    await message(A.page, "first").waitFor();
    await waitFor(async () => (await unreadSummary(stack.api, a.token)).total === 0, "A read the DM");
    await A.page.locator("#mute-button", { hasText: "Mute" }).waitFor();
    const before = Date.now();
    await muteIn("Mute for 8 hours");
    await A.page.locator("#mute-button[data-muted=true]", { hasText: "Muted until" }).waitFor();
    await dmItem(A.page, dm).and(A.page.locator("[data-muted=true]")).waitFor();
    await dmItem(A2.page, dm).and(A2.page.locator("[data-muted=true]")).waitFor(); // live, unread_update
    const until = Date.parse((await serverMute()) ?? "");
    assert.ok(Math.abs(until - (before + 8 * 3_600_000)) < 5 * 60_000, `muted for about 8 hours: ${new Date(until).toISOString()}`);

    // Muted, the count still shows, quieter.
    await groupItem(A.page, group).click();
    await A.page.locator("#conv-title", { hasText: "Quiet please" }).waitFor();
    await post(b, messagePaths("dm", dm).post, "second");
    await countIn(dmItem(A.page, dm), 1).and(A.page.locator(".quiet")).waitFor();
    await titleIs(A.page, `(1) ${TITLE}`);

    await dmItem(A.page, dm).click();
    await muteIn("Mute until I unmute");
    await A.page.locator("#mute-button", { hasText: /^🔕 Muted$/ }).waitFor();
    await waitFor(async () => (await serverMute()) === "9999-12-31T23:59:59.999Z", "muted for good on the server");

    await muteIn("Unmute");
    await A.page.locator("#mute-button[data-muted=false]", { hasText: "Mute" }).waitFor();
    await dmItem(A.page, dm).and(A.page.locator(":not([data-muted])")).waitFor();
    await dmItem(A2.page, dm).and(A2.page.locator(":not([data-muted])")).waitFor();
    assert.equal(await serverMute(), null);
    assert.deepEqual(A.problems, []);
    await Promise.all([A.context.close(), A2.context.close()]);
  });
});

describe("push notifications", () => {
  let a: TestUser;
  let b: TestUser;

  before(async () => {
    [a, b] = await Promise.all([buildUser(stack.api), buildUser(stack.api)]);
  });

  it("registers the service worker at /sw.js with scope /, and says why this browser cannot subscribe", async () => {
    const A = await client();
    await A.context.grantPermissions(["notifications"], { origin: stack.url });
    await logIn(A.page, a);
    await A.page.getByRole("button", { name: "Notify me" }).click();
    // A Playwright context is a private window: Chromium refuses push there at once
    // ("Registration failed - permission denied"). A normal profile without Google's push
    // service gets no answer at all: the client gives up after 20 s with another sentence.
    await A.page.locator("#push-status", { hasText: /could not subscribe to its push service|push service did not answer/ }).waitFor();
    assert.equal(await A.page.locator("#push-toggle").getAttribute("data-state"), "off");
    const reg = await A.page.evaluate(async () => {
      const r = await navigator.serviceWorker.getRegistration("/");
      return { scope: r?.scope, script: r?.active?.scriptURL };
    });
    assert.deepEqual(reg, { scope: `${stack.url}/`, script: `${stack.url}/sw.js` });
    const sw = await fetch(`${stack.url}/sw.js`);
    assert.equal(sw.status, 200);
    assert.match(sw.headers.get("content-type") ?? "", /javascript/);
    assert.deepEqual((await stack.api.get("/api/push/subscriptions", a.token)).body.subscriptions, []);
    // Chromium says why on the console itself; that is the only message.
    assert.deepEqual(A.problems.filter((p) => !p.includes("does not support the Push API in incognito mode")), []);
    await A.context.close();
  });

  it("says so when notifications are blocked", async () => {
    const A = await client();
    await logIn(A.page, a);
    await A.page.evaluate(() => {
      Object.defineProperty(Notification, "requestPermission", { value: async () => "denied" });
    });
    await A.page.getByRole("button", { name: "Notify me" }).click();
    await A.page.locator("#push-status", { hasText: "Notifications are blocked for this site" }).waitFor();
    await A.context.close();
  });

  it("registers the subscription with the server and removes it again (the browser's push service stubbed)", async () => {
    const A = await client();
    await A.context.grantPermissions(["notifications"], { origin: stack.url });
    await A.context.addInitScript(stubPushManager);
    await A.page.reload();
    await logIn(A.page, a);
    await A.page.getByRole("button", { name: "Notify me" }).click();
    await A.page.locator("#push-status", { hasText: "Notifications are on for this browser" }).waitFor();
    const endpoint = await A.page.evaluate(async () => (await (await navigator.serviceWorker.ready).pushManager.getSubscription())?.endpoint);
    const listed = (await stack.api.get("/api/push/subscriptions", a.token)).body.subscriptions;
    assert.deepEqual(listed.map((s: { endpoint: string; type: string }) => [s.type, s.endpoint]), [["webpush", endpoint]]);
    // The applicationServerKey it subscribed with is the server's VAPID key.
    const vapid = (await stack.api.get("/api/push/vapid-public-key")).body.public_key;
    assert.equal(await A.page.evaluate(() => (window as unknown as { subscribedWithKey: string }).subscribedWithKey), vapid);

    // After a reload the button knows it is on (subscribed here, and the server has it).
    await A.page.reload();
    await A.page.locator("#push-toggle[data-state=on]", { hasText: "Turn off notifications" }).waitFor();
    await A.page.getByRole("button", { name: "Turn off notifications" }).click();
    await A.page.locator("#push-status", { hasText: "Notifications are off for this browser." }).waitFor();
    await A.page.locator("#push-toggle[data-state=off]", { hasText: "Notify me" }).waitFor();
    assert.deepEqual((await stack.api.get("/api/push/subscriptions", a.token)).body.subscriptions, []);
    assert.equal(await A.page.evaluate(async () => (await (await navigator.serviceWorker.ready).pushManager.getSubscription()) === null), true);
    assert.deepEqual(A.problems, []);
    await A.context.close();
  });

  it("shows a pushed message as a notification (title, body, tag), and a click opens its conversation", async () => {
    const dm = dmIdOf(a, b);
    await post(b, messagePaths("dm", dm).post, "see you at 8?");
    const A = await client();
    await A.context.grantPermissions(["notifications"], { origin: stack.url });
    await logIn(A.page, a);
    await A.page.getByRole("button", { name: "Notify me" }).click();
    await A.page.locator("#push-toggle[data-state=off]").waitFor(); // no push service here, but the worker is registered
    const worker = await serviceWorkerOf(A.page);

    const cdp = await A.context.newCDPSession(A.page);
    const registrations: { registrationId: string; scopeURL: string; isDeleted: boolean }[] = [];
    cdp.on("ServiceWorker.workerRegistrationUpdated", (e) => registrations.push(...e.registrations));
    await cdp.send("ServiceWorker.enable");
    await waitFor(() => registrations.some((r) => r.scopeURL === `${stack.url}/` && !r.isDeleted), "the registration is reported");
    const registrationId = registrations.find((r) => r.scopeURL === `${stack.url}/` && !r.isDeleted)!.registrationId;
    const deliver = (data: string) => cdp.send("ServiceWorker.deliverPushMessage", { origin: stack.url, registrationId, data });

    // What the worker asks the browser to show, recorded in the worker once shown.
    await worker.evaluate(() => {
      const scope = self as any;
      const reg = scope.registration;
      const show = reg.showNotification.bind(reg);
      scope.shown = [];
      reg.showNotification = async (title: string, options: NotificationOptions) => {
        await show(title, options);
        scope.shown.push({ title, body: options.body, tag: options.tag ?? "", data: options.data });
      };
    });
    const shown = () => worker.evaluate(() => (self as any).shown as { title: string; body: string; tag: string; data: unknown }[]);
    /**
     * The browser's own list. Asked only once the worker's showNotification has settled plus a
     * moment: Chromium drops from its database a notification that getNotifications() asks
     * about before the display has reported it shown (seen under load as a lost notification).
     */
    const displayed = async (count: number) => {
      await waitFor(async () => (await shown()).length === count, `${count} notification(s) shown by the worker`);
      await new Promise((r) => setTimeout(r, 500));
      return A.page.evaluate(async () => (await (await navigator.serviceWorker.ready).getNotifications()).map((n) => ({ title: n.title, body: n.body, tag: n.tag, data: n.data })));
    };

    // The payload as the server builds it (src/push/push-payload.ts, docs/PUSH.md).
    const payload = { kind: "message", conversation_id: dm, conversation_type: "dm", sender: { id: b.id, display_name: b.display_name }, preview: "see you at 8?", badge: 1, collapse_key: "q3V0dG9uLWtleS0xMjM0NTY3ODkwMTIz" };
    await deliver(JSON.stringify(payload));
    const first = { title: b.display_name, body: "see you at 8?", tag: payload.collapse_key, data: payload };
    assert.deepEqual(await displayed(1), [first]);
    assert.deepEqual(await shown(), [first]);

    // Same conversation again, without a preview: generic text, and it replaces the first (same tag).
    const { preview: _dropped, ...noPreview } = { ...payload, kind: "mention", badge: 2 };
    await deliver(JSON.stringify(noPreview));
    const second = { title: b.display_name, body: "Mentioned you", tag: payload.collapse_key, data: noPreview };
    assert.deepEqual(await displayed(2), [second]);
    // A payload the worker cannot read still shows something (userVisibleOnly).
    await deliver("not json");
    assert.deepEqual((await displayed(3)).map((n) => [n.title, n.body]).sort(), [[b.display_name, "Mentioned you"], ["New message", "New message"]].sort());

    // A click: the open tab is told which conversation to open (focusing it needs a real click).
    assert.equal(await A.page.locator("#conv-title").textContent(), "Pick a conversation");
    await worker.evaluate(async (tag) => {
      const scope = self as any;
      const [n] = (await scope.registration.getNotifications()).filter((x: Notification) => x.tag === tag);
      const event = new scope.NotificationEvent("notificationclick", { notification: n });
      try {
        scope.dispatchEvent(event);
      } catch {
        /* waitUntil refuses a synthetic event; the handler has started its work by then */
      }
    }, payload.collapse_key);
    await A.page.locator("#conv-title", { hasText: b.display_name }).waitFor();
    await message(A.page, "see you at 8?").waitFor();
    const left = await A.page.evaluate(async () => (await (await navigator.serviceWorker.ready).getNotifications()).map((n) => n.title));
    assert.deepEqual(left, ["New message"], "the clicked notification is closed");
    await cdp.detach();
    await A.context.close();
  });

  it("opens the conversation named in the URL, as a notification click without an open tab does", async () => {
    const group = await buildGroup(stack.api, b, [a], { name: "From a link" });
    const A = await client(`/#/group/${group}`);
    await logIn(A.page, a);
    await A.page.locator("#conv-title", { hasText: "From a link" }).waitFor();
    assert.equal(await A.page.evaluate(() => location.hash), "");
    // And a conversation that is not the user's is refused politely.
    await A.page.evaluate(() => (location.hash = "#/group/000000000000000000000000"));
    await A.page.locator(".toast", { hasText: "That conversation is not available to you." }).waitFor();
    await A.context.close();
  });
});

/** The service worker of the page's context, once it runs. */
async function serviceWorkerOf(page: Page): Promise<Worker> {
  const context = page.context();
  return context.serviceWorkers().find((w) => w.url().endsWith("/sw.js")) ?? (await context.waitForEvent("serviceworker"));
}

/**
 * Runs in the page before its scripts: a PushManager whose subscribe answers at once with a
 * subscription of the shape real ones have (an https endpoint on a DNS name, a P-256 key, a
 * 16-byte secret), since no push service is reachable here. Kept per page in sessionStorage,
 * so a reload finds it subscribed.
 */
function stubPushManager() {
  const KEY = "test.push-subscription";
  const w = window as unknown as { subscribedWithKey: string };
  const toB64Url = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  const make = (json: { endpoint: string; keys: { p256dh: string; auth: string }; serverKey: string }) => {
    const key = Uint8Array.from(atob(json.serverKey.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));
    return {
      endpoint: json.endpoint,
      expirationTime: null,
      options: { userVisibleOnly: true, applicationServerKey: key.buffer },
      toJSON: () => ({ endpoint: json.endpoint, expirationTime: null, keys: json.keys }),
      unsubscribe: async () => {
        sessionStorage.removeItem(KEY);
        return true;
      },
    };
  };
  PushManager.prototype.getSubscription = async function () {
    const raw = sessionStorage.getItem(KEY);
    return raw ? (make(JSON.parse(raw)) as unknown as PushSubscription) : null;
  };
  PushManager.prototype.subscribe = async function (options?: PushSubscriptionOptionsInit) {
    const serverKey = toB64Url(new Uint8Array(options?.applicationServerKey as ArrayBuffer));
    w.subscribedWithKey = serverKey;
    const p256dh = `B${"A".repeat(86)}`;
    const json = { endpoint: `https://push.example.com/send/${crypto.randomUUID()}`, keys: { p256dh, auth: "A".repeat(22) }, serverKey };
    sessionStorage.setItem(KEY, JSON.stringify(json));
    return make(json) as unknown as PushSubscription;
  };
}
