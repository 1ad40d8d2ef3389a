// 405 Method Not Allowed, with `Allow`, for a method that a documented path does not take
// (RFC 9110 §15.5.6). Paths are matched the way OpenAPI matches them: a literal segment
// wins over a parameter, so `PUT /api/dm/{dm_id}/latest` is a 405 (that path only takes
// GET) rather than `PUT /api/dm/{dm_id}/{message_id}` with a message id of "latest".
// Runs in front of the routers; the templates come from the OpenAPI registry once every
// route is declared, so the answer follows the document.
import type { OpenAPIRegistry } from "@asteasolutions/zod-to-openapi";
import type { RequestHandler } from "express";
import { AppError } from "../shared/errors.ts";

interface Template {
  segments: (string | null)[]; // null: a parameter
  methods: Set<string>;
}

function templatesOf(registry: OpenAPIRegistry): Template[] {
  const byPath = new Map<string, Template>();
  for (const def of registry.definitions) {
    if (def.type !== "route") continue;
    const { path, method } = def.route;
    let t = byPath.get(path);
    if (!t) {
      t = { segments: path.split("/").slice(1).map((s) => (/^\{.+\}$/.test(s) ? null : s.toLowerCase())), methods: new Set() };
      byPath.set(path, t);
    }
    t.methods.add(method.toUpperCase());
  }
  return [...byPath.values()];
}

/** Whether `a` is more specific than `b` (both match the same path): a literal where `b` has a parameter, first. */
function moreSpecific(a: Template, b: Template): number {
  for (let i = 0; i < a.segments.length; i++) {
    const la = a.segments[i] !== null;
    const lb = b.segments[i] !== null;
    if (la !== lb) return la ? 1 : -1;
  }
  return 0;
}

/** The methods of the most specific documented path matching `path`; undefined when none matches. */
export function allowedMethods(templates: readonly Template[], path: string): Set<string> | undefined {
  const segments = path.replace(/(.)\/$/, "$1").split("/").slice(1).map((s) => s.toLowerCase());
  let best: Template | undefined;
  for (const t of templates) {
    if (t.segments.length !== segments.length) continue;
    if (!t.segments.every((s, i) => s === null ? segments[i] !== "" : s === segments[i])) continue;
    if (!best || moreSpecific(t, best) > 0) best = t;
  }
  return best?.methods;
}

const ORDER = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"];

export function methodNotAllowed(registry: OpenAPIRegistry): RequestHandler {
  let templates: Template[] | undefined;
  return (req, res, next) => {
    // Read on first use: by then every router has declared its routes.
    templates ??= templatesOf(registry);
    const path = req.baseUrl + req.path;
    const methods = allowedMethods(templates, path);
    if (!methods || methods.has(req.method) || (req.method === "HEAD" && methods.has("GET"))) return next();
    const allow = ORDER.filter((m) => methods.has(m) || (m === "HEAD" && methods.has("GET"))).join(", ");
    res.setHeader("Allow", allow);
    next(new AppError("method_not_allowed", `${req.method} is not allowed on ${path}; allowed: ${allow}`));
  };
}
