// Builds the auth services that share the session and audit plumbing: how sessions end
// (session-ending.ts), the password guard, login/refresh (auth.service.ts), the session list
// and the password change. services.ts calls this once; plain composition, no logic.
import type { AuditLog } from "../audit/audit.service.ts";
import type { UserRepository } from "../users/user.repository.ts";
import type { UserService } from "../users/user.service.ts";
import { createAuthService } from "./auth.service.ts";
import { createPasswordGuard } from "./password-guard.ts";
import type { PasswordHasher } from "./password-hasher.ts";
import { createPasswordService } from "./password.service.ts";
import type { LoginThrottle } from "./rate-limiter.ts";
import type { SessionActivity } from "./session-activity.ts";
import { createSessionEnding } from "./session-ending.ts";
import { createSessionListService } from "./session-list.service.ts";
import type { SessionRepository } from "./session.repository.ts";
import type { TokenService } from "./token.service.ts";

export interface AccountSecurityDeps {
  userRecords: UserRepository;
  sessions: SessionRepository;
  users: UserService;
  tokens: TokenService;
  hasher: PasswordHasher;
  loginThrottle: LoginThrottle;
  loginWindowSec: number;
  audit: AuditLog;
  activity: SessionActivity;
  /** After a session is revoked: caches, sockets and pushes (services.ts). */
  onSessionRevoked: (sessionId: string) => void;
}

export function createAccountSecurity(d: AccountSecurityDeps) {
  const ending = createSessionEnding({ sessions: d.sessions, audit: d.audit, onRevoked: d.onSessionRevoked });
  const guard = createPasswordGuard({
    throttle: d.loginThrottle,
    audit: d.audit,
    ownerOf: async (phone) => (await d.userRecords.byPhone(phone))?.id ?? null,
    windowSec: d.loginWindowSec,
  });
  return {
    auth: createAuthService({ userRecords: d.userRecords, sessions: d.sessions, users: d.users, tokens: d.tokens, hasher: d.hasher, guard, ending, audit: d.audit, activity: d.activity }),
    password: createPasswordService({ userRecords: d.userRecords, hasher: d.hasher, guard, ending, audit: d.audit }),
    sessionList: createSessionListService({ sessions: d.sessions, ending }),
    /** For the features that end sessions themselves (a suspension, an account deletion): `endAllOf(userId, by)`. */
    sessionEnding: ending,
    /** The login throttle on a password check (an account deletion's password). */
    guard,
  };
}
