// Registration, login and the refresh-token lifecycle. Refresh tokens are single-use:
// each refresh marks the presented token used (atomically) and issues the next one in
// the same family; presenting a used token again is treated as theft and revokes the
// whole family, so both the thief and the victim must log in again.
import { randomUUID } from "node:crypto";
import { AppError } from "../shared/errors.ts";
import type { UserRepository } from "../users/user.repository.ts";
import { toUserSelf } from "../users/user.dto.ts";
import type { UserService } from "../users/user.service.ts";
import type { RegisterBody, LoginBody } from "./auth.schemas.ts";
import type { PasswordHasher } from "./password-hasher.ts";
import type { LoginThrottle } from "./rate-limiter.ts";
import type { SessionRepository } from "./session.repository.ts";
import type { TokenService } from "./token.service.ts";

export interface AuthDeps {
  userRecords: UserRepository;
  sessions: SessionRepository;
  users: UserService;
  tokens: TokenService;
  hasher: PasswordHasher;
  loginThrottle: LoginThrottle;
  /** Told after a session is revoked (the handshake's session cache on this node). */
  onSessionRevoked?: (sessionId: string) => void;
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

  async function startSession(userId: string) {
    const sessionId = randomUUID();
    await d.sessions.createSession({ id: sessionId, user_id: userId, expires_at: new Date(Date.now() + d.tokens.refreshTtlSec * 1000) });
    return issuePair(userId, sessionId);
  }

  async function revokeSession(sessionId: string, reason: string) {
    await d.sessions.revokeSession(sessionId, reason, new Date());
    d.onSessionRevoked?.(sessionId);
  }

  return {
    async register(body: RegisterBody) {
      const user = await d.users.create({ ...body, password_hash: await d.hasher.hash(body.password) });
      return { ...(await startSession(user.id)), user: toUserSelf(user) };
    },

    async login(body: LoginBody, ip: string) {
      const phone = body.username.trim();
      await d.loginThrottle.attempt(phone, ip);
      const user = await d.userRecords.byPhone(phone);
      const ok = await d.hasher.verify(body.password, user?.password_hash ?? "");
      if (!user || !ok) throw new AppError("invalid_credentials", "Incorrect phone number or password");
      await d.loginThrottle.succeeded(phone, ip);
      return { ...(await startSession(user.id)), user: toUserSelf(user) };
    },

    async refresh(refreshToken: string) {
      const claims = d.tokens.verifyRefresh(refreshToken);
      const known = await d.sessions.refreshToken(claims.jti);
      if (!known) throw new AppError("unauthorized", "Unknown refresh token");
      if (!(await d.sessions.claimRefreshToken(claims.jti, new Date()))) {
        await revokeSession(claims.sid, "refresh_token_reuse");
        throw new AppError("token_revoked", "This refresh token was already used; the session has been revoked");
      }
      const session = await d.sessions.session(claims.sid);
      if (!session || session.revoked_at) throw new AppError("token_revoked", "This session has been revoked");
      const user = await d.userRecords.byId(claims.sub);
      if (!user) throw new AppError("unauthorized", "The user no longer exists");
      return { ...(await issuePair(claims.sub, claims.sid)), user: toUserSelf(user) };
    },

    async logout(sessionId: string) {
      await revokeSession(sessionId, "logout");
    },

    /** Deletes refresh-token rows past their expiry (the server prunes; no TTL index needed). */
    async pruneExpired(now = new Date()) {
      return d.sessions.pruneExpired(now);
    },
  };
}

export type AuthService = ReturnType<typeof createAuthService>;
