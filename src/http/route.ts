// Declares a REST route once: the express handler, its zod validation, and its entry in
// the OpenAPI document all come from the same schemas, so the docs cannot drift. A
// request goes: authenticate → validate → the operation's declared steps (conversation
// and policy, actor, tracked in flight: src/pipeline/operation.ts) → handler → respond. The
// statuses a route can answer are derived from what it declares (authentication → 401, a
// path parameter → 404, a body → 413/415, always 400 and 503); the spec adds the rest
// (403, 409, 410, 429…) with the reason, and a second success status where there is one.
import type { OpenAPIRegistry, RouteConfig } from "@asteasolutions/zod-to-openapi";
import type { Request, Response, Router } from "express";
import { AppError, unauthorized } from "../shared/errors.ts";
import { parse } from "../shared/validate.ts";
import { z } from "../shared/zod.ts";
import type { TokenService } from "../auth/token.service.ts";
import type { SessionCheck } from "../auth/session-check.ts";
import type { ConversationPolicy } from "../messaging/conversation-policy.ts";
import type { Caller, PerformOperation, StepResults, Steps } from "../pipeline/operation.ts";
import { errorResponse, type ErrorStatus } from "./error-responses.ts";

type Method = "get" | "post" | "put" | "delete" | "patch";

export type { Caller };

export interface RouteSpec<B extends z.ZodType, Q extends z.ZodType, P extends z.ZodType, S extends Steps> {
  method: Method;
  path: string; // express syntax: /chats/:id/messages
  summary: string;
  tag: string;
  auth: boolean;
  body?: B;
  /** How the body may arrive, besides JSON (login also takes the OAuth2 form). */
  bodyTypes?: string[];
  /** A z.strictObject: unknown query keys are refused (400 naming them). None declared: no query is taken. */
  query?: Q;
  params?: P;
  response?: z.ZodType;
  /** A response that is not JSON (the handler writes it to res): its content type, documented as binary. */
  binaryResponse?: string;
  status?: number;
  /** What the success response is, when "Success" says too little. */
  description?: string;
  /** Another success status and when it is answered (an idempotent create answers 200 on a retry or an update). */
  alsoStatus?: { status: number; description: string };
  /** Security requirements when they are not the access token's (`auth` is then false: the handler checks). */
  security?: Record<string, string[]>[];
  /** Error statuses beyond the derived ones, each with why this route answers it (a derived one may be given a reason too). */
  errors?: Partial<Record<ErrorStatus, string>>;
  /** The operation's steps: `access` resolves the conversation the `conversation.param` path parameter names; `actor` loads the caller's card. */
  steps?: S;
  conversation?: { policy: ConversationPolicy; param: string };
}

export interface RouteContext<B, Q, P> {
  body: B;
  query: Q;
  params: P;
  caller: Caller;
  req: Request;
  res: Response;
}

export interface RouteKit {
  router: Router;
  registry: OpenAPIRegistry;
  tokens: TokenService;
  /** Whether an access token's session is still live (logout and refresh-token reuse revoke it). */
  sessions: Pick<SessionCheck, "isLive">;
  /** Runs a handler through its declared steps, tracked in flight (src/pipeline/operation.ts). */
  perform: PerformOperation;
  prefix: string; // where the router is mounted, for the docs
}

/** The caller an access token names, refused when the token is invalid or expired or its session was revoked. */
export async function authenticate(kit: Pick<RouteKit, "tokens" | "sessions">, token: string | undefined): Promise<Caller> {
  if (!token) throw unauthorized("Missing bearer access token (Authorization: Bearer <access_token>)");
  const claims = kit.tokens.verifyAccess(token);
  if (!(await kit.sessions.isLive(claims.sid, claims.sub))) throw new AppError("token_revoked", "The session of this token has been revoked (logged out)");
  return { userId: claims.sub, sessionId: claims.sid };
}

export function bearerToken(req: Request): string | undefined {
  const header = req.headers.authorization;
  if (!header) return undefined;
  const [scheme, token] = header.split(" ");
  return scheme?.toLowerCase() === "bearer" && token ? token.trim() : undefined;
}

/** A route's path as the document names it: `{param}` for `:param`, no trailing slash. */
export function docPath(prefix: string, path: string): string {
  return (prefix + path).replace(/(.)\/$/, "$1").replace(/:([A-Za-z_]+)/g, "{$1}");
}

const NoQuery = z.strictObject({});

function assertStrictObject(schema: z.ZodType, where: string) {
  const def = (schema as z.ZodObject)._zod.def;
  if (def.type !== "object" || def.catchall?._zod.def.type !== "never") throw new Error(`${where}: must be a z.strictObject, so that unknown keys are refused`);
}

function hasBody(req: Request): boolean {
  return req.headers["transfer-encoding"] !== undefined || Number(req.headers["content-length"] ?? 0) > 0;
}

/** The parsed body, when one came in a type the route takes: none is a 400, another type a 415. */
function bodyOf(req: Request, types: string[]): unknown {
  if (!hasBody(req)) throw new AppError("validation_error", `body: is required (${types.join(" or ")})`, { fields: [{ field: "body", message: "is required" }] });
  if (!req.is(types)) throw new AppError("unsupported_media_type", `body: must be sent as ${types.join(" or ")} (got ${req.headers["content-type"] ?? "no Content-Type"})`);
  return req.body;
}

export function defineRoute<B extends z.ZodType = z.ZodUnknown, Q extends z.ZodType = z.ZodUnknown, P extends z.ZodType = z.ZodUnknown, S extends Steps = Steps>(
  kit: RouteKit,
  spec: RouteSpec<B, Q, P, S>,
  handler: (ctx: RouteContext<z.output<B>, z.output<Q>, z.output<P>> & StepResults<S>) => Promise<unknown>,
): void {
  const status = spec.status ?? 200;
  const steps: Steps = spec.steps ?? {};
  if (steps.access && !spec.conversation) throw new Error(`${spec.method.toUpperCase()} ${kit.prefix}${spec.path}: steps.access needs the conversation's policy and path parameter`);
  const query = spec.query ?? NoQuery;
  assertStrictObject(query, `${spec.method.toUpperCase()} ${kit.prefix}${spec.path} query`);
  const bodyTypes = ["application/json", ...(spec.bodyTypes ?? [])];
  kit.router[spec.method](spec.path, async (req: Request, res: Response) => {
    const caller: Caller = spec.auth ? await authenticate(kit, bearerToken(req)) : { userId: "", sessionId: "" };
    const ctx = {
      body: spec.body ? parse(spec.body, bodyOf(req, bodyTypes), "body") : undefined,
      query: parse(query, { ...req.query }, "query"),
      params: spec.params ? parse(spec.params, req.params, "params") : req.params,
      caller,
      req,
      res,
    };
    const target = spec.conversation ? { policy: spec.conversation.policy, chatId: String((ctx.params as Record<string, unknown>)[spec.conversation.param]) } : undefined;
    // The route's status is the default; a handler may set the alternative (a retried create is 200).
    res.status(status);
    const result = await kit.perform(steps, caller, target, (results) => handler({ ...ctx, ...results } as RouteContext<z.output<B>, z.output<Q>, z.output<P>> & StepResults<S>));
    if (res.headersSent) return;
    if (result === undefined) res.status(res.statusCode === 200 ? 204 : res.statusCode).end();
    else res.json(result);
  });
  registerDoc(kit, spec, status);
}

/** The error statuses a route can answer: derived from what it declares, plus its own. */
export function errorStatuses(spec: { auth: boolean; params?: unknown; body?: unknown; errors?: Partial<Record<ErrorStatus, string>> }): RouteConfig["responses"] {
  const derived: Partial<Record<ErrorStatus, string | undefined>> = { 400: undefined, 503: undefined };
  if (spec.auth) derived[401] = undefined;
  if (spec.params) derived[404] = undefined;
  if (spec.body) Object.assign(derived, { 413: undefined, 415: undefined });
  const all = { ...derived, ...spec.errors };
  return Object.fromEntries(Object.entries(all).map(([code, why]) => [code, errorResponse(Number(code) as ErrorStatus, why)]));
}

function success(response: z.ZodType | undefined, description: string) {
  return response ? { description, content: { "application/json": { schema: response } } } : { description };
}

function registerDoc(kit: RouteKit, spec: RouteSpec<z.ZodType, z.ZodType, z.ZodType, Steps>, status: number) {
  const request: NonNullable<RouteConfig["request"]> = {};
  if (spec.body) {
    const content: Record<string, { schema: z.ZodType }> = { "application/json": { schema: spec.body } };
    for (const type of spec.bodyTypes ?? []) content[type] = { schema: spec.body };
    request.body = { content, required: true };
  }
  if (spec.query) request.query = spec.query as never;
  if (spec.params) request.params = spec.params as never;
  const responses: RouteConfig["responses"] = {
    [status]: spec.binaryResponse
      ? { description: spec.description ?? "Success", content: { [spec.binaryResponse]: { schema: z.string().openapi({ format: "binary" }) } } }
      : success(status === 204 ? undefined : spec.response, spec.description ?? (status === 204 ? "Done; no body" : "Success")),
    ...(spec.alsoStatus ? { [spec.alsoStatus.status]: success(spec.response, spec.alsoStatus.description) } : {}),
    ...errorStatuses(spec),
  };
  kit.registry.registerPath({
    method: spec.method,
    path: docPath(kit.prefix, spec.path),
    summary: spec.summary,
    tags: [spec.tag],
    ...(spec.security ? { security: spec.security } : spec.auth ? { security: [{ bearerAuth: [] }] } : {}),
    request,
    responses,
  });
}
