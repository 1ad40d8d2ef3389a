import { Router } from "express";
import { LoginBody, RegisterBody, TokenResponse } from "../auth/auth.schemas.ts";
import type { AuthService } from "../auth/auth.service.ts";
import { clientKey, type Throttles } from "../auth/rate-limiter.ts";
import { unauthorized } from "../shared/errors.ts";
import { clientOf } from "./client-info.ts";
import { bearerToken, defineRoute, type RouteKit } from "./route.ts";

export function authRouter(kit: Omit<RouteKit, "router">, auth: AuthService, throttles: Pick<Throttles, "registerByIp">): Router {
  const r: RouteKit = { ...kit, router: Router() };
  const tag = "auth";

  // Throttled per IP: each registration costs a bcrypt hash and creates an account.
  defineRoute(
    r,
    {
      method: "post",
      path: "/register",
      summary: "Create an account; returns a token pair",
      tag,
      auth: false,
      body: RegisterBody,
      response: TokenResponse,
      status: 201,
      errors: { 400: "Invalid input, or the phone or username is already registered", 429: "Too many registrations from this address (REGISTER_MAX_PER_HOUR)" },
    },
    async ({ body, req }) => {
      await throttles.registerByIp.consume(clientKey(req.ip ?? "unknown"));
      return auth.register(body, clientOf(req));
    },
  );

  defineRoute(
    r,
    {
      method: "post",
      path: "/login",
      summary: "OAuth2 password login (form or JSON); `username` is the phone number",
      tag,
      auth: false,
      body: LoginBody,
      bodyTypes: ["application/x-www-form-urlencoded"],
      response: TokenResponse,
      errors: { 401: "Wrong phone number or password", 403: "account_suspended: an operator suspended the account (details.until; null: indefinitely)", 429: "Too many attempts from this address, for this phone from this address, or on this phone just now" },
    },
    ({ body, req }) => auth.login(body, clientOf(req)),
  );

  defineRoute(
    r,
    {
      method: "post",
      path: "/refresh",
      summary: "Rotate the refresh token (Authorization: Bearer <refresh_token>)",
      tag,
      auth: false,
      security: [{ refreshToken: [] }],
      response: TokenResponse,
      errors: { 401: "Missing, invalid, expired or unknown refresh token; or one already used, which revokes its session", 403: "account_suspended: an operator suspended the account (details.until; null: indefinitely)" },
    },
    ({ req }) => {
      const token = bearerToken(req);
      if (!token) throw unauthorized("Missing bearer refresh token (Authorization: Bearer <refresh_token>)");
      return auth.refresh(token, clientOf(req));
    },
  );

  defineRoute(r, { method: "post", path: "/logout", summary: "Revoke this session's refresh-token family", tag, auth: true, status: 204 },
    async ({ caller, req }) => {
      await auth.logout(caller, clientOf(req));
    });

  return r.router;
}
