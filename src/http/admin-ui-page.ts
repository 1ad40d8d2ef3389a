// The Socket.IO Admin UI's page, served from the package (node_modules/@socket.io/admin-ui/
// ui/dist) at /admin/socket.io/ when the Admin UI is on (src/infra/admin-ui.ts), instead of
// the hosted admin.socket.io. Its index.html links its web font (Roboto, Google Fonts) and its
// icon font (Material Design Icons, jsDelivr) from CDNs; those links are replaced by the same
// fonts from npm packages (@fontsource/roboto, @mdi/font) served beside the page, so it looks
// as it should and loads nothing from another origin. The rest is served as it ships, under
// the app's usual CSP, which it needs no relaxing of.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import express, { Router } from "express";

export const ADMIN_UI_PATH = "/admin/socket.io";

const packageDir = (name: string) => dirname(createRequire(import.meta.url).resolve(`${name}/package.json`));
const UI_DIR = join(packageDir("@socket.io/admin-ui"), "ui/dist");
/** Where the fonts are served, relative to the page (their CSS refers to their files relatively). */
const FONTS = { roboto: "fonts/roboto", mdi: "fonts/mdi" };
/** The weights the UI asks Google Fonts for (Vuetify's typography). */
const ROBOTO_WEIGHTS = [100, 300, 400, 500, 700, 900];

/** index.html with its CDN links replaced by the local fonts, and any other link to another origin removed. */
export function sameOriginIndex(html: string): string {
  const link = (href: string) => `<link rel="stylesheet" href="${href}">`;
  return html.replace(/<link\b[^>]*\bhref="((?:https?:)?\/\/[^"]*)"[^>]*>/g, (_tag, href: string) => {
    if (href.includes("fonts.googleapis.com")) return ROBOTO_WEIGHTS.map((w) => link(`${FONTS.roboto}/${w}.css`)).join("");
    if (href.includes("materialdesignicons")) return link(`${FONTS.mdi}/css/materialdesignicons.min.css`);
    return "";
  });
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
  // Content-hashed file names (app.0d7d7845.js), and fonts of pinned packages: cacheable for long.
  const files = (dir: string) => express.static(dir, { index: false, redirect: false, dotfiles: "ignore", maxAge: "7d" });
  router.use(`${ADMIN_UI_PATH}/${FONTS.roboto}`, files(packageDir("@fontsource/roboto")));
  router.use(`${ADMIN_UI_PATH}/${FONTS.mdi}`, files(packageDir("@mdi/font")));
  router.use(ADMIN_UI_PATH, files(UI_DIR));
  return router;
}
