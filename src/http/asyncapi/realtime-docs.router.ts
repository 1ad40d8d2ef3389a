// GET /api/asyncapi.json: the AsyncAPI document of the Socket.IO events, and GET
// /api/docs/realtime: a page rendering it with the AsyncAPI React component's standalone
// bundle, served from node_modules like Swagger UI is (no CDN). Mounted before Swagger UI,
// whose /api/docs handler would otherwise answer every path under it with its own page.
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Router } from "express";
import { notFound } from "../../shared/errors.ts";
import { buildAsyncApiDocument } from "./document.ts";

const PAGE_DIR = fileURLToPath(new URL("./page/", import.meta.url));
const COMPONENT_DIR = dirname(createRequire(import.meta.url).resolve("@asyncapi/react-component/package.json"));

/** The only files the page loads: an allow-list, so nothing else of node_modules is reachable. */
const ASSETS = new Map([
  ["standalone.js", join(COMPONENT_DIR, "browser/standalone/index.js")],
  ["default.min.css", join(COMPONENT_DIR, "styles/default.min.css")],
  ["render.js", join(PAGE_DIR, "render.js")],
]);

/**
 * Helmet's policy plus 'unsafe-eval' in script-src, for this page alone: the bundle's parser
 * validates the document with Ajv, which compiles its schemas with `new Function` as it
 * loads. The page shows a static document and holds no user data; everything else keeps
 * the strict policy (docs/DECISIONS.md).
 */
function allowEval(policy: string): string {
  return policy
    .split(";")
    .map((directive) => (directive.trim().startsWith("script-src ") ? `${directive} 'unsafe-eval'` : directive))
    .join(";");
}

export function realtimeDocsRouter(): Router {
  // Built once: it depends on nothing but the code.
  const document = buildAsyncApiDocument();
  const router = Router();
  router.get("/api/asyncapi.json", (_req, res) => {
    res.json(document);
  });
  router.get(["/api/docs/realtime", "/api/docs/realtime/"], (_req, res) => {
    res.setHeader("Content-Security-Policy", allowEval(String(res.getHeader("Content-Security-Policy") ?? "")));
    res.sendFile(join(PAGE_DIR, "index.html"));
  });
  router.get("/api/docs/realtime/assets/:file", (req, res, next) => {
    const file = ASSETS.get(req.params.file);
    if (!file) return next(notFound("File"));
    // The bundle is 3 MB: revalidated (ETag → 304) rather than fetched again.
    res.sendFile(file, { headers: { "Cache-Control": "no-cache" } });
  });
  return router;
}
