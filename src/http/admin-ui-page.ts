// The Socket.IO Admin UI's page, served from the package (node_modules/@socket.io/admin-ui/
// ui/dist) at /admin/socket.io/ when the Admin UI is on (src/infra/admin-ui.ts), instead of
// the hosted admin.socket.io. Its index.html links a web font and an icon font from CDNs;
// those two links are taken out, so the page loads nothing from another origin (the UI
// then shows its text in the system font and its icons as blanks). The rest is served as
// it ships, under the app's usual CSP, which it needs no relaxing of.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import express, { Router } from "express";

export const ADMIN_UI_PATH = "/admin/socket.io";

const UI_DIR = join(dirname(createRequire(import.meta.url).resolve("@socket.io/admin-ui/package.json")), "ui/dist");

/** index.html without its links to other origins (`<link … href="https://…">`). */
export function sameOriginIndex(html: string): string {
  return html.replace(/<link\b[^>]*\bhref="(?:https?:)?\/\/[^"]*"[^>]*>/g, "");
}

export function adminUiPage(): Router {
  const index = sameOriginIndex(readFileSync(join(UI_DIR, "index.html"), "utf8"));
  // strict: "/admin/socket.io" and "/admin/socket.io/" are two routes. The page's asset URLs
  // are relative (css/…, js/…), so it must be at the directory's URL.
  const router = Router({ strict: true });
  router.get(ADMIN_UI_PATH, (_req, res) => res.redirect(301, `${ADMIN_UI_PATH}/`));
  router.get(`${ADMIN_UI_PATH}/`, (_req, res) => {
    res.setHeader("Cache-Control", "no-cache");
    res.type("html").send(index);
  });
  // Content-hashed file names (app.0d7d7845.js): cacheable for long.
  router.use(ADMIN_UI_PATH, express.static(UI_DIR, { index: false, redirect: false, dotfiles: "ignore", maxAge: "7d" }));
  return router;
}
