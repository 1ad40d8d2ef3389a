// /api/auth: what a logged-in user manages about their own account's security: their
// sessions (logins on devices) and ending them, their password, and their audit log.
import { Router } from "express";
import { AuditPage, AuditQuery } from "../audit/audit.schemas.ts";
import type { AuditLog } from "../audit/audit.service.ts";
import { ChangePasswordBody, PasswordChanged } from "../auth/auth.schemas.ts";
import type { PasswordService } from "../auth/password.service.ts";
import type { SessionListService } from "../auth/session-list.service.ts";
import { SessionIdParams, SessionList, SessionsEnded } from "../auth/session.schemas.ts";
import { clientOf } from "./client-info.ts";
import { defineRoute, type RouteKit } from "./route.ts";

export interface AccountSecurityDeps {
  sessions: SessionListService;
  password: PasswordService;
  audit: Pick<AuditLog, "list">;
}

export function sessionsRouter(kit: Omit<RouteKit, "router">, d: AccountSecurityDeps): Router {
  const r: RouteKit = { ...kit, router: Router() };
  const tag = "auth";

  defineRoute(r, { method: "get", path: "/sessions", summary: "The caller's live sessions (logins): device, IP, created, last used; the caller's own marked `current`", tag, auth: true, response: SessionList },
    async ({ caller }) => ({ sessions: await d.sessions.list(caller) }));

  // Registered before /sessions/:id, which would otherwise take "end-others" for an id (a DELETE only, but the 405 check reads paths).
  defineRoute(
    r,
    {
      method: "post",
      path: "/sessions/end-others",
      summary: "End every session of the caller but this one: their refresh tokens stop working and their sockets are disconnected at once",
      tag,
      auth: true,
      response: SessionsEnded,
    },
    async ({ caller, req }) => ({ sessions_ended: await d.sessions.endOthers(caller, clientOf(req)) }),
  );

  defineRoute(
    r,
    {
      method: "delete",
      path: "/sessions/:id",
      summary: "End one of the caller's sessions: its refresh tokens stop working, its sockets are disconnected at once (`session_ended`), its push subscriptions removed",
      tag,
      auth: true,
      params: SessionIdParams,
      status: 204,
      description: "Ended (or it had ended already)",
      errors: { 404: "The caller has no session with this id (another user's session is not found either)" },
    },
    async ({ caller, params, req }) => {
      await d.sessions.end(caller, params.id, clientOf(req));
    },
  );

  defineRoute(
    r,
    {
      method: "post",
      path: "/password",
      summary: "Change the password: the current one is checked (throttled like a login); every other session then ends, this one stays",
      tag,
      auth: true,
      body: ChangePasswordBody,
      response: PasswordChanged,
      errors: {
        400: "Invalid input: a new password outside the registration rules, or equal to the current one",
        403: "`wrong_password`: current_password is not this account's password (nothing changed)",
        429: "Too many password attempts on this account, or from this address (shared with login)",
      },
    },
    async ({ caller, body, req }) => d.password.change(caller, body, clientOf(req)),
  );

  defineRoute(
    r,
    {
      method: "get",
      path: "/audit",
      summary: "The caller's security events (logins, throttled login bursts, refresh-token reuse, password changes, ended sessions, moderation), newest first",
      tag,
      auth: true,
      query: AuditQuery,
      response: AuditPage,
    },
    async ({ caller, query }) => d.audit.list(caller.userId, query),
  );

  return r.router;
}
