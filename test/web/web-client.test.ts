// The web client end to end: real server (FerretDB + Redis), headless Chromium, two
// browser contexts as two users. Everything a user does goes through the UI; the
// factories only create the accounts (and bulk history for the paging test).
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { get } from "node:http";
import { after, before, describe, it } from "node:test";
import type { Browser, Page } from "playwright-core";
import sharp from "sharp";
import { buildCouple, buildUser } from "../support/factories.ts";
import { startStack, type Stack } from "../support/stack.ts";
import { serverIdle } from "../support/wait.ts";
import { launchBrowser, logIn, message, messageAction, messageItems, openClient, send, waitConnected, type UserPage } from "./browser.ts";

let stack: Stack;
let browser: Browser;

before(async () => {
  [stack, browser] = await Promise.all([startStack({ redis: true }), launchBrowser()]);
});
after(async () => {
  await browser?.close();
  // Let the server handle the burst of disconnects (presence updates that emit through the
  // Redis adapter) before Redis goes away; see docs/WEB-CLIENT.md, "Server issues".
  if (stack) await serverIdle(stack.server.app, 5000);
  await stack?.stop();
});

async function client(path = "/", viewport?: { width: number; height: number }) {
  return openClient(browser, stack.url, path, viewport);
}

const attr = (page: Page, name: string) => page.evaluate((n) => document.documentElement.dataset[n] ?? "", name);
const countOf = (page: Page, text: string) => message(page, text).count();

describe("serving", () => {
  it("serves the client at / with revalidating cache headers, under Helmet's CSP, and nothing else from web/", async () => {
    const index = await fetch(`${stack.url}/`);
    assert.equal(index.status, 200);
    assert.match(index.headers.get("content-type") ?? "", /text\/html/);
    assert.equal(index.headers.get("cache-control"), "no-cache");
    assert.match(index.headers.get("content-security-policy") ?? "", /script-src 'self'/);
    const etag = index.headers.get("etag");
    assert.ok(etag);
    // node:http, not fetch: fetch adds `Cache-Control: no-cache` to conditional requests.
    const revalidated = await new Promise<number | undefined>((resolve, reject) => {
      get(`${stack.url}/`, { headers: { "if-none-match": etag } }, (res) => {
        res.resume();
        resolve(res.statusCode);
      }).on("error", reject);
    });
    assert.equal(revalidated, 304);
    for (const path of ["/app.js", "/styles.css", "/views/conversation-view.js", "/socket.io/socket.io.esm.min.js"]) {
      assert.equal((await fetch(stack.url + path)).status, 200, path);
    }
    for (const path of ["/sdk.d.ts", "/types.d.ts", "/nope.js"]) assert.equal((await fetch(stack.url + path)).status, 404, path);
    const api404 = await fetch(`${stack.url}/api/nope`);
    assert.equal(api404.status, 404);
    assert.equal((await api404.json()).error.code, "not_found");
  });
});

describe("two partners, one on WebSocket and one on long-polling", () => {
  let A: UserPage;
  let B: UserPage;
  let users: Awaited<ReturnType<typeof buildCouple>>;
  const hello = "Hello from the WebSocket side 👋";
  const reply = "Hi back, over long-polling!";

  before(async () => {
    users = await buildCouple(stack.api);
    // B first: A then learns at connect that its partner is online (see the todo test below).
    B = await client("/?transport=polling");
    B.page.on("websocket", (ws) => B.problems.push(`polling client opened a WebSocket: ${ws.url()}`));
    await logIn(B.page, users.b);
    A = await client("/");
    await logIn(A.page, users.a);
    await A.page.locator("#open-couple").click();
    await B.page.locator("#open-couple").click();
  });

  it("uses the transport it was told to: A upgrades to WebSocket, B stays on polling", async () => {
    await A.page.waitForFunction(() => document.documentElement.dataset.transport === "websocket");
    assert.equal(await attr(B.page, "transport"), "polling");
    await assert.doesNotReject(A.page.getByText("live · websocket").waitFor());
    await assert.doesNotReject(B.page.getByText("live · polling").waitFor());
  });

  it("shows the partner's presence", async () => {
    await A.page.locator("#conv-subtitle", { hasText: "online" }).waitFor();
  });

  it("sends, types and replies live both ways", async () => {
    await A.page.getByLabel("Message", { exact: true }).pressSequentially("Hel");
    await B.page.locator("#typing", { hasText: `${users.a.display_name} is typing…` }).waitFor();
    await A.page.getByLabel("Message", { exact: true }).fill("");
    await send(A.page, hello);
    await message(B.page, hello).waitFor();

    await messageAction(B.page, hello, "Reply");
    await B.page.locator("#compose-context", { hasText: `Replying to ${users.a.display_name}` }).waitFor();
    await send(B.page, reply);
    const onA = message(A.page, reply);
    await onA.waitFor();
    assert.match((await onA.locator(".reply-quote").textContent()) ?? "", /Hello from the WebSocket side/);
  });

  it("reacts, and each side sees the other's reaction", async () => {
    await messageAction(B.page, hello, "React");
    await B.page.getByRole("button", { name: "React with ❤️" }).click();
    await message(A.page, hello).locator(".chip", { hasText: "❤️ 1" }).waitFor();
    await messageAction(A.page, reply, "React");
    await A.page.getByRole("button", { name: "React with 😂" }).click();
    await message(B.page, reply).locator(".chip", { hasText: "😂 1" }).waitFor();
  });

  it("shows read receipts", async () => {
    // B has the chat open, so it marks A's message read; A sees "Seen" on its last message.
    await message(A.page, hello).locator(".seen", { hasText: "Seen" }).waitFor();
  });

  it("edits and deletes, live on the other side", async () => {
    await messageAction(A.page, hello, "Edit");
    await A.page.locator("#compose-context", { hasText: "Editing" }).waitFor();
    const edited = "Hello from the WebSocket side (edited) 👋";
    await A.page.getByLabel("Message", { exact: true }).fill(edited);
    await A.page.getByLabel("Message", { exact: true }).press("Enter");
    await message(B.page, edited).locator(".edited").waitFor();
    assert.equal(await countOf(B.page, hello), 0);

    await send(A.page, "oops, wrong chat");
    await message(B.page, "oops, wrong chat").waitFor();
    const id = await message(A.page, "oops, wrong chat").getAttribute("data-id");
    await messageAction(A.page, "oops, wrong chat", "Delete");
    await message(A.page, "oops, wrong chat").getByRole("button", { name: "Delete?" }).click();
    await B.page.locator(`#messages > li[data-id="${id}"].deleted`, { hasText: "This message was deleted" }).waitFor();
    assert.equal(await countOf(B.page, "oops, wrong chat"), 0);
  });

  it("shows every message exactly once, in seq order, on both sides; no errors or CSP violations", async () => {
    await send(B.page, "Dinner at 8? 🍝");
    await message(A.page, "Dinner at 8? 🍝").waitFor();
    for (const page of [A.page, B.page]) {
      const seqs = (await messageItems(page).evaluateAll((els) => els.map((el) => Number((el as HTMLElement).dataset.seq)))) as number[];
      assert.deepEqual(seqs, [...seqs].sort((x, y) => x - y));
      assert.equal(new Set(seqs).size, seqs.length, "no duplicates");
      assert.deepEqual(seqs, Array.from({ length: seqs.length }, (_, i) => i + 1), "no gaps");
    }
    // A screenshot for the docs: A's view, with B typing.
    await B.page.getByLabel("Message", { exact: true }).pressSequentially("Sounds go");
    await A.page.locator("#typing", { hasText: "is typing" }).waitFor();
    await message(A.page, "Dinner at 8? 🍝").hover();
    mkdirSync("docs", { recursive: true });
    await A.page.screenshot({ path: "docs/screenshot-conversation.png" });
    assert.deepEqual(A.problems, []);
    assert.deepEqual(B.problems, []);
  });

  it("changes the chat mode and pings", async () => {
    await A.page.getByLabel("Chat mode").selectOption("fight");
    await B.page.locator("#conversation[data-mode=fight]").waitFor();
    assert.equal(await B.page.getByLabel("Chat mode").inputValue(), "fight");
    // Incognito: delivered live, never stored, no seq.
    await B.page.getByLabel("Chat mode").selectOption("incognito");
    await A.page.locator("#conversation[data-mode=incognito]").waitFor();
    await send(A.page, "off the record 🤫");
    const secret = message(B.page, "off the record 🤫");
    await secret.locator(".badge", { hasText: "incognito" }).waitFor();
    assert.equal(await secret.getAttribute("data-seq"), "");
    await B.page.getByLabel("Chat mode").selectOption("normal");
    await A.page.locator("#conversation[data-mode=normal]").waitFor();

    await A.page.getByRole("button", { name: /Thinking of you/ }).click();
    await B.page.locator(".toast", { hasText: `${users.a.display_name} is thinking of you` }).waitFor();
  });

  it("keeps the history across a reload and reopens the conversation (incognito messages are gone)", async () => {
    const stored = (els: Element[]) => els.filter((el) => (el as HTMLElement).dataset.seq).map((el) => `${(el as HTMLElement).dataset.seq}:${el.querySelector(".text")?.textContent ?? ""}`);
    const before = await messageItems(A.page).evaluateAll(stored);
    await A.page.reload();
    await waitConnected(A.page);
    await message(A.page, "Dinner at 8? 🍝").waitFor();
    assert.deepEqual(await messageItems(A.page).evaluateAll(stored), before);
    assert.equal(await message(A.page, "off the record 🤫").count(), 0);
    await message(A.page, "Hello from the WebSocket side (edited) 👋").locator(".chip", { hasText: "❤️ 1" }).waitFor();
  });

  it("tells A live when B comes online (B's three namespaces connect at once)", async () => {
    await B.context.close();
    await A.page.locator("#conv-subtitle", { hasText: "last seen" }).waitFor();
    B = await client("/");
    await logIn(B.page, users.b);
    await A.page.locator("#conv-subtitle", { hasText: "online" }).waitFor({ timeout: 5_000 });
  });
});

describe("finding people, partner requests, groups and DMs", () => {
  it("sends a partner request by phone, accepts it live and opens the couple chat", async () => {
    const [u, v] = await Promise.all([buildUser(stack.api), buildUser(stack.api)]);
    const U = await client();
    const V = await client();
    await logIn(U.page, u);
    await logIn(V.page, v);
    await U.page.getByLabel("Username or phone").fill(v.phone);
    await U.page.getByRole("button", { name: "Find" }).click();
    await U.page.locator(`#lookup-result [data-user="${v.username}"]`).getByRole("button", { name: "Partner request" }).click();
    await U.page.getByText(`Waiting for ${v.display_name} to answer`).waitFor();
    await V.page.locator("#partner-box", { hasText: `${u.display_name} wants to be your partner` }).getByRole("button", { name: "Accept" }).click();
    await U.page.locator("#open-couple", { hasText: v.display_name }).waitFor();
    await V.page.locator("#open-couple", { hasText: u.display_name }).click();
    await send(V.page, "We're official 💞");
    await U.page.locator("#open-couple").click();
    await message(U.page, "We're official 💞").waitFor();
  });

  it("creates a public group, lets another user join it, and opens a DM by username", async () => {
    const [g, j] = await Promise.all([buildUser(stack.api), buildUser(stack.api)]);
    const G = await client();
    await logIn(G.page, g);
    await G.page.getByLabel("New group name").fill("Book club");
    await G.page.getByRole("button", { name: "Create" }).click();
    await G.page.locator("#conv-title", { hasText: "Book club" }).waitFor();

    const J = await client("/?transport=polling");
    await logIn(J.page, j);
    await J.page.locator("#group-list li", { hasText: "Book club" }).getByRole("button", { name: "Join" }).click();
    await J.page.locator("#conv-title", { hasText: "Book club" }).waitFor();
    await send(G.page, "Welcome to the club!");
    await message(J.page, "Welcome to the club!").waitFor();
    await send(J.page, "Thanks! Reading Dune.");
    await message(G.page, "Thanks! Reading Dune.").waitFor();

    await J.page.getByLabel("Username or phone").fill(`@${g.username}`);
    await J.page.getByRole("button", { name: "Find" }).click();
    await J.page.locator(`#lookup-result [data-user="${g.username}"]`).getByRole("button", { name: "Message" }).click();
    await J.page.locator("#conv-title", { hasText: g.display_name }).waitFor();
    await send(J.page, "psst, a private word");
    const thread = G.page.locator(`#dm-list [data-dm="dm:${[g.username, j.username].sort().join("|")}"]`);
    await thread.click();
    await message(G.page, "psst, a private word").waitFor();
  });
});

describe("history paging, tokens, avatar, phone layout", () => {
  it("loads older pages with before_seq as you scroll back", async () => {
    const { a, chatId } = await buildCouple(stack.api);
    for (let i = 1; i <= 120; i++) {
      const res = await stack.api.post(`/api/chats/${chatId}/messages`, { text: `history ${i}`, client_message_id: `h-${i}` }, a.token);
      assert.equal(res.status, 201);
    }
    const A = await client();
    const pageRequests: string[] = [];
    A.page.on("request", (r) => {
      if (r.url().includes("before_seq=")) pageRequests.push(new URL(r.url()).search);
    });
    await logIn(A.page, a);
    await A.page.locator("#open-couple").click();
    await message(A.page, "history 120").waitFor();
    assert.equal(await messageItems(A.page).count(), 50);
    for (let i = 0; i < 10 && !(await A.page.getByText("This is the beginning of the conversation.").isVisible()); i++) {
      await A.page.locator("#messages-scroll").evaluate((el) => el.scrollTo(0, 0));
      await A.page.waitForTimeout(300);
    }
    const seqs = (await messageItems(A.page).evaluateAll((els) => els.map((el) => Number((el as HTMLElement).dataset.seq)))) as number[];
    assert.deepEqual(seqs, Array.from({ length: 120 }, (_, i) => i + 1));
    assert.ok(pageRequests.some((q) => q.includes("before_seq=71")), `paged with before_seq: ${pageRequests.join(" ")}`);
  });

  it("refreshes the access token before it expires and after a 401, on REST and on the socket", async () => {
    const u = await buildUser(stack.api);
    const U = await client();
    await logIn(U.page, u);
    const first = await U.page.evaluate(() => JSON.parse(localStorage.getItem("chat.auth") ?? "{}"));
    // A token the server refuses (as after a secret rotation) that the client still thinks is valid.
    await U.page.evaluate((s) => localStorage.setItem("chat.auth", JSON.stringify({ ...s, access_token: "garbage" })), first);
    await U.page.reload();
    await waitConnected(U.page);
    await U.page.locator("#me-username", { hasText: u.username }).waitFor();
    const second = await U.page.evaluate(() => JSON.parse(localStorage.getItem("chat.auth") ?? "{}"));
    assert.notEqual(second.refresh_token, first.refresh_token, "rotated after the 401");
    // And one the client knows is about to expire: refreshed before use.
    await U.page.evaluate((s) => localStorage.setItem("chat.auth", JSON.stringify({ ...s, expires_at: Date.now() - 1 })), second);
    await U.page.reload();
    await waitConnected(U.page);
    const third = await U.page.evaluate(() => JSON.parse(localStorage.getItem("chat.auth") ?? "{}"));
    assert.notEqual(third.refresh_token, second.refresh_token);
    assert.ok(third.expires_at > Date.now() + 60_000);
    // 401s are the refused token itself. A 400 can come from Engine.IO when the reload cuts
    // a polling request whose session the server has already closed; it is not about tokens.
    assert.deepEqual(U.problems.filter((p) => !p.includes("401") && !p.includes("status of 400")), []);
  });

  it("uploads an avatar (or says the server has no upload route)", async () => {
    const u = await buildUser(stack.api);
    const U = await client();
    await logIn(U.page, u);
    const probe = await fetch(`${stack.url}/api/users/me/avatar`, { method: "POST" });
    const png = await sharp({ create: { width: 96, height: 96, channels: 3, background: "#e0729a" } }).png().toBuffer();
    await U.page.locator("#avatar-input").setInputFiles({ name: "me.png", mimeType: "image/png", buffer: png });
    if (probe.status === 404) {
      await U.page.getByText("Avatar upload is not available on this server.").waitFor();
    } else {
      await U.page.getByText("Avatar updated.").waitFor();
      const src = await U.page.locator("#me-avatar img").getAttribute("src");
      assert.ok(src, "avatar image shown");
      assert.equal((await fetch(new URL(src, stack.url))).status, 200);
    }
  });

  it("fits a phone: list or conversation, with a way back", async () => {
    const { a } = await buildCouple(stack.api);
    const P = await client("/", { width: 390, height: 844 });
    await logIn(P.page, a);
    assert.equal(await P.page.locator("#conversation").isVisible(), false);
    await P.page.locator("#open-couple").click();
    await P.page.getByLabel("Message", { exact: true }).waitFor();
    assert.equal(await P.page.locator("#sidebar").isVisible(), false);
    await send(P.page, "typed on a phone 📱");
    const overflow = await P.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `no horizontal scrolling (${overflow}px)`);
    await P.page.screenshot({ path: "/tmp/web-client-phone.png" });
    await P.page.getByRole("button", { name: "Back to conversations" }).click();
    await P.page.locator("#sidebar").waitFor();
  });
});
