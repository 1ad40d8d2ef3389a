// Registration, login and the refresh-token lifecycle. Refresh tokens are single-use:
// each refresh marks the presented token used (atomically) and issues the next one in
// the same family; presenting a used token again is treated as theft and revokes the
// whole family, so both the thief and the victim must log in again.
//
// Each session records where it is used from (device label, IP) at login and at every
// refresh, and the audit log gets the login, the reuse and the ended session.
import { randomUUID } from "node:crypto";
import type { AuditRecorder } from "../audit/audit.service.ts";
import { NO_CLIENT, type ClientInfo } from "../shared/client-info.ts";
import { AppError } from "../shared/errors.ts";
import { assertNotSuspended, isSuspended } from "../moderation/suspension.ts";
import type { UserRepository } from "../users/user.repository.ts";
import { toUserSelf } from "../users/user.dto.ts";
import type { UserService } from "../users/user.service.ts";
import type { RegisterBody, LoginBody } from "./auth.schemas.ts";
import type { PasswordGuard } from "./password-guard.ts";
import type { PasswordHasher } from "./password-hasher.ts";
import type { SessionActivity } from "./session-activity.ts";
import type { SessionEnding } from "./session-ending.ts";
import type { SessionRepository } from "./session.repository.ts";
import type { TokenService } from "./token.service.ts";

export interface AuthDeps {
  userRecords: UserRepository;
  sessions: SessionRepository;
  users: UserService;
  tokens: TokenService;
  hasher: PasswordHasher;
  guard: PasswordGuard;
  /** How sessions end (revoked, sockets cut on every node, audit: session-ending.ts). */
  ending: SessionEnding;
  audit: AuditRecorder;
  /** Told when a login or refresh wrote a session's last use, so requests do not write it again at once. */
  activity?: Pick<SessionActivity, "written"> | undefined;
}

export function createAuthService(d: AuthDeps) {
  async function issuePair(userId: string, sessionId: string) {
    const refresh = d.tokens.issueRefresh(userId, sessionId);
    await d.sessions.addRefreshToken({ id: refresh.jti, session_id: sessionId, user_id: userId, expires_at: refresh.expiresAt });
    await d.sessions.extendSession(sessionId, refresh.expiresAt);
    return {
      access_token: d.tokens.issueAccess(userId, sessionId),
      refresh_token: refresh.token,
      token_type: "bearer" as const,
      expires_in: d.tokens.accessTtlSec,
    };
  }

  async function startSession(userId: string, client: ClientInfo, method: "password" | "register") {
    const sessionId = randomUUID();
    await d.sessions.createSession({ id: sessionId, user_id: userId, expires_at: new Date(Date.now() + d.tokens.refreshTtlSec * 1000), device: client.device, ip: client.ip });
    d.activity?.written(sessionId);
    if (method === "password") {
      // A suspension written while this login checked the password ended the sessions it
      // found, not this one: look again now that it is stored (src/moderation/suspension.service.ts).
      const now = await d.userRecords.byId(userId);
      if (now && isSuspended(now.suspended_until)) {
        await d.ending.end({ id: sessionId, user_id: userId }, "suspension", client);
        assertNotSuspended(now);
      }
    }
    const pair = await issuePair(userId, sessionId);
    await d.audit.record({ user_id: userId, type: "login", client, data: { session_id: sessionId, method } });
    return pair;
  }

  return {
    async register(body: RegisterBody, client: ClientInfo = NO_CLIENT) {
      const user = await d.users.create({ ...body, password_hash: await d.hasher.hash(body.password) });
      return { ...(await startSession(user.id, client, "register")), user: toUserSelf(user) };
    },

    async login(body: LoginBody, client: ClientInfo) {
      const phone = body.username.trim();
      await d.guard.attempt(phone, client);
      const user = await d.userRecords.byPhone(phone);
      const ok = await d.hasher.verify(body.password, user?.password_hash ?? "");
      if (!user || !ok) throw new AppError("invalid_credentials", "Incorrect phone number or password");
      await d.guard.succeeded(phone, client);
      // The right password of a suspended account: told so, and until when (403 account_suspended).
      assertNotSuspended(user);
      return { ...(await startSession(user.id, client, "password")), user: toUserSelf(user) };
    },

    async refresh(refreshToken: string, client: ClientInfo = NO_CLIENT) {
      const claims = d.tokens.verifyRefresh(refreshToken);
      const known = await d.sessions.refreshToken(claims.jti);
      if (!known) throw new AppError("unauthorized", "Unknown refresh token");
      // Before the session checks: a suspension ended this session, and the client is told why (and until when).
      assertNotSuspended(await d.userRecords.byId(claims.sub));
      if (!(await d.sessions.claimRefreshToken(claims.jti, new Date()))) {
        // Recorded by the call that ended the session only: concurrent presentations of one
        // token (a race, or a thief and the victim) make one reuse line, not one each.
        const session = await d.sessions.session(claims.sid);
        if (session && (await d.ending.end(session, "refresh_token_reuse", client))) {
          await d.audit.record({ user_id: session.user_id, type: "refresh_token_reuse", client, data: { session_id: session.id, session_device: session.device } });
        }
        throw new AppError("token_revoked", "This refresh token was already used; the session has been revoked");
      }
      const session = await d.sessions.session(claims.sid);
      if (!session || session.revoked_at) throw new AppError("token_revoked", "This session has been revoked");
      const user = await d.userRecords.byId(claims.sub);
      if (!user) throw new AppError("unauthorized", "The user no longer exists");
      // Where the session is used from now (a phone moves between networks).
      await d.sessions.touchSession(session.id, new Date(), client);
      d.activity?.written(session.id);
      return { ...(await issuePair(claims.sub, claims.sid)), user: toUserSelf(user) };
    },

    async logout(caller: { userId: string; sessionId: string }, client: ClientInfo = NO_CLIENT) {
      await d.ending.end({ id: caller.sessionId, user_id: caller.userId }, "logout", client);
    },

    /** Deletes refresh-token rows past their expiry (the server prunes; no TTL index needed). */
    async pruneExpired(now = new Date()) {
      return d.sessions.pruneExpired(now);
    },
  };
}

export type AuthService = ReturnType<typeof createAuthService>;
