// Serves the client SDK (client/src, TypeScript) to browsers at /sdk/, so the bundled web
// client runs the same code a published app does, with no build step on the server: each
// module is turned into JavaScript by Node's own type stripping (the SDK is written in
// erasable TypeScript only, which is what makes that possible) on first request, then
// kept in memory. Relative imports keep their `.ts` names; browsers do not care about the
// extension, only about the Content-Type. The SDK's one dependency, `socket.io-client`, is
// a bare specifier: the web client's import map points it at the Socket.IO server's own
// ESM build (`/socket.io/socket.io.esm.min.js`), see `importMapHash`. The SDK's run-time
// imports of the server's contract (`../../src/contract/limits.ts`: numbers such as the unread
// fan-out bound) resolve to /src/contract/, which the same map sends to /sdk/contract/.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { stripTypeScriptTypes } from "node:module";
import { fileURLToPath } from "node:url";
import type { RequestHandler } from "express";

export const SDK_DIR = fileURLToPath(new URL("../../client/src/", import.meta.url));
const CONTRACT_DIR = fileURLToPath(new URL("../contract/", import.meta.url));

/** A module of the SDK (flat directory, plain names, `.ts` or `.js`), or of the contract under contract/. */
const MODULE = /^\/((?:contract\/)?[a-z0-9-]+)\.(?:ts|js)$/;

export function clientSdk(dir = SDK_DIR): RequestHandler {
  const compiled = new Map<string, Promise<{ code: string; etag: string } | null>>();
  const compile = (name: string) =>
    readFile(name.startsWith("contract/") ? `${CONTRACT_DIR}${name.slice("contract/".length)}.ts` : `${dir}${name}.ts`, "utf8").then(
      (source) => {
        const code = stripTypeScriptTypes(source, { mode: "strip" });
        return { code, etag: `"${createHash("sha256").update(code).digest("base64url").slice(0, 27)}"` };
      },
      () => null,
    );
  return (req, res, next) => {
    const m = MODULE.exec(req.path);
    if ((req.method !== "GET" && req.method !== "HEAD") || !m) return next();
    const name = m[1]!;
    let entry = compiled.get(name);
    if (!entry) compiled.set(name, (entry = compile(name)));
    entry.then((mod) => {
      if (!mod) return next();
      // Same policy as the web client: no content hash in the names, so revalidate each time.
      res.setHeader("Cache-Control", "no-cache");
      res.setHeader("ETag", mod.etag);
      if (req.headers["if-none-match"] === mod.etag) return void res.status(304).end();
      res.type("text/javascript").send(mod.code);
    }, next);
  };
}

/**
 * The CSP source that lets the web client's inline import map run (`script-src` allows
 * 'self' only; an inline script needs its hash). Read from web/index.html at start-up, so
 * editing the map cannot silently break the page: a changed map gets a new hash.
 */
export function importMapHash(indexHtml: string): string | null {
  let html: string;
  try {
    html = readFileSync(indexHtml, "utf8");
  } catch {
    return null;
  }
  const map = /<script type="importmap">([\s\S]*?)<\/script>/.exec(html)?.[1];
  return map === undefined ? null : `'sha256-${createHash("sha256").update(map).digest("base64")}'`;
}
