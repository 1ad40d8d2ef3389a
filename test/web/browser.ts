// Headless Chromium (the system's `chromium`, driven by playwright-core) for the web client
// tests: one browser per test file, one context per user, logged in through the UI.
import { execFileSync } from "node:child_process";
import { chromium, type Browser, type BrowserContext, type Locator, type Page, type Request } from "playwright-core";
import type { TestUser } from "../support/factories.ts";

export function chromiumPath(): string {
  return process.env.CHROMIUM_PATH ?? execFileSync("sh", ["-c", "command -v chromium"], { encoding: "utf8" }).trim();
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-quic", "--no-first-run", "--disable-component-update", "--disable-sync"],
  });
}

export interface UserPage {
  context: BrowserContext;
  page: Page;
  /** Console errors, page errors and CSP violations seen so far. */
  problems: string[];
  /** How many of the page's /api/ requests have started and not yet ended. */
  apiInFlight(): number;
}

/** A fresh context (own localStorage) with the page open at `path` and problems recorded. */
export async function openClient(browser: Browser, baseUrl: string, path = "/", viewport = { width: 1100, height: 720 }): Promise<UserPage> {
  const context = await browser.newContext({ viewport, baseURL: baseUrl });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on("console", (msg) => {
    if (msg.type() === "error") problems.push(`console: ${msg.text()}`);
  });
  page.on("pageerror", (err) => problems.push(`pageerror: ${err.message}`));
  let apiInFlight = 0;
  const isApi = (r: Request) => new URL(r.url()).pathname.startsWith("/api/");
  page.on("request", (r) => {
    if (isApi(r)) apiInFlight++;
  });
  const ended = (r: Request) => {
    if (isApi(r)) apiInFlight--;
  };
  page.on("requestfinished", ended);
  page.on("requestfailed", ended);
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) => console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`));
  });
  await page.goto(path);
  return { context, page, problems, apiInFlight: () => apiInFlight };
}

/** Logs in through the form and waits until all three namespaces are connected. */
export async function logIn(page: Page, user: TestUser) {
  await page.getByLabel("Phone", { exact: true }).fill(user.phone);
  await page.getByLabel("Password", { exact: true }).fill(user.password);
  await page.getByRole("button", { name: "Log in" }).click();
  await page.locator("#me-username").filter({ hasText: `@${user.username}` }).waitFor();
  await waitConnected(page);
}

export async function waitConnected(page: Page, timeout = 20_000) {
  await page.waitForFunction(() => document.documentElement.dataset.connection === "connected", undefined, { timeout });
}

export const messageItems = (page: Page) => page.locator("#messages > li.msg[data-id]");
/** The message whose text is exactly `text`. */
export const message = (page: Page, text: string): Locator => page.locator("#messages > li.msg[data-id]").filter({ has: page.locator(".text", { hasText: new RegExp(`^${escape(text)}$`) }) });

export async function send(page: Page, text: string) {
  const box = page.getByLabel("Message", { exact: true });
  await box.fill(text);
  await box.press("Enter");
  await message(page, text).waitFor();
}

/** Runs a message action (Reply, React, Edit, Delete) from its hover menu. */
export async function messageAction(page: Page, text: string, action: "Reply" | "React" | "Edit" | "Delete") {
  const item = message(page, text);
  await item.hover();
  await item.getByRole("button", { name: new RegExp(action) }).click();
}

function escape(s: string) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
