// Serves the browser client in web/ at `/` (see docs/WEB-CLIENT.md). Plain ES modules,
// no bundler, so file names carry no content hash: every response is revalidated
// (ETag → 304) instead of cached for a long time, or a deploy would leave browsers
// running a mix of old and new modules. Only client asset types are served, so the
// type-checking config and notes beside the client never leave the server.
import express, { type Express, type RequestHandler } from "express";
import { fileURLToPath } from "node:url";

export const WEB_DIR = fileURLToPath(new URL("../../web/", import.meta.url));

const CLIENT_ASSET = /^\/(?:[A-Za-z0-9_-]+\/)*[A-Za-z0-9_.-]+\.(?:html|js|css|svg|png|ico|webmanifest)$/;

export function webClient(dir = WEB_DIR): RequestHandler {
  const files = express.static(dir, {
    index: "index.html",
    redirect: false,
    dotfiles: "ignore",
    fallthrough: true, // anything else reaches the JSON 404
    maxAge: 0,
    setHeaders(res) {
      res.setHeader("Cache-Control", "no-cache");
    },
  });
  return (req, res, next) => {
    if ((req.method !== "GET" && req.method !== "HEAD") || (req.path !== "/" && !CLIENT_ASSET.test(req.path))) return next();
    files(req, res, next);
  };
}

/** Mounts the web client at `/`; called after the API routers so it never shadows them. */
export function mountWebClient(app: Express, dir = WEB_DIR): void {
  app.use(webClient(dir));
}
