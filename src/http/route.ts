// Declares a REST route once: the express handler, its zod validation, and its entry in
// the OpenAPI document all come from the same schemas, so the docs cannot drift.
import type { OpenAPIRegistry, RouteConfig } from "@asteasolutions/zod-to-openapi";
import type { Request, Response, Router } from "express";
import type { z } from "zod";
import { AppError, unauthorized } from "../shared/errors.ts";
import { parse } from "../shared/validate.ts";
import type { TokenService } from "../auth/token.service.ts";
import type { SessionCheck } from "../auth/session-check.ts";

type Method = "get" | "post" | "put" | "delete" | "patch";

export interface Caller {
  userId: string;
  sessionId: string;
}

export interface RouteSpec<B extends z.ZodType, Q extends z.ZodType, P extends z.ZodType> {
  method: Method;
  path: string; // express syntax: /chats/:id/messages
  summary: string;
  tag: string;
  auth: boolean;
  body?: B;
  /** How the body may arrive, besides JSON (login also takes the OAuth2 form). */
  bodyTypes?: string[];
  query?: Q;
  params?: P;
  response?: z.ZodType;
  status?: number;
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

export function defineRoute<B extends z.ZodType = z.ZodUnknown, Q extends z.ZodType = z.ZodUnknown, P extends z.ZodType = z.ZodUnknown>(
  kit: RouteKit,
  spec: RouteSpec<B, Q, P>,
  handler: (ctx: RouteContext<z.output<B>, z.output<Q>, z.output<P>>) => Promise<unknown>,
): void {
  const status = spec.status ?? 200;
  kit.router[spec.method](spec.path, async (req: Request, res: Response) => {
    const caller: Caller = spec.auth ? await authenticate(kit, bearerToken(req)) : { userId: "", sessionId: "" };
    const ctx = {
      body: spec.body ? parse(spec.body, req.body ?? {}, "body") : req.body,
      query: spec.query ? parse(spec.query, { ...req.query }, "query") : req.query,
      params: spec.params ? parse(spec.params, req.params, "params") : req.params,
      caller,
      req,
      res,
    };
    // The route's status is the default; a handler may set another (a retried create is 200).
    res.status(status);
    const result = await handler(ctx as RouteContext<z.output<B>, z.output<Q>, z.output<P>>);
    if (res.headersSent) return;
    if (result === undefined) res.status(res.statusCode === 200 ? 204 : res.statusCode).end();
    else res.json(result);
  });
  registerDoc(kit, spec, status);
}

function registerDoc(kit: RouteKit, spec: RouteSpec<z.ZodType, z.ZodType, z.ZodType>, status: number) {
  const path = (kit.prefix + spec.path).replace(/:([A-Za-z_]+)/g, "{$1}");
  const request: NonNullable<RouteConfig["request"]> = {};
  if (spec.body) {
    const content: Record<string, { schema: z.ZodType }> = { "application/json": { schema: spec.body } };
    for (const type of spec.bodyTypes ?? []) content[type] = { schema: spec.body };
    request.body = { content, required: true };
  }
  if (spec.query) request.query = spec.query as never;
  if (spec.params) request.params = spec.params as never;
  const responses: RouteConfig["responses"] = {
    [status]: spec.response
      ? { description: "Success", content: { "application/json": { schema: spec.response } } }
      : { description: "Success" },
    400: { description: "Validation error naming the field", content: { "application/json": { schema: ErrorSchemaRef } } },
  };
  if (spec.auth) responses[401] = { description: "Missing, invalid or expired access token" };
  kit.registry.registerPath({
    method: spec.method,
    path,
    summary: spec.summary,
    tags: [spec.tag],
    ...(spec.auth ? { security: [{ bearerAuth: [] }] } : {}),
    request,
    responses,
  });
}

// Set by openapi.ts once the shared error schema is registered.
let ErrorSchemaRef: z.ZodType;
export function setErrorSchema(schema: z.ZodType) {
  ErrorSchemaRef = schema;
}
