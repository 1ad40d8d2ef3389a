// Every password check (login, password change) goes through the login throttle, and a
// burst of refused guesses on an account is one line in its owner's audit log: the first
// refused attempt of the burst (LoginThrottle.burstStarted), with how many attempts came
// since the last successful login. Single wrong passwords are not logged: they are
// typos far more often than attacks, and an attacker's would drown the log.
import type { AuditRecorder } from "../audit/audit.service.ts";
import type { ClientInfo } from "../shared/client-info.ts";
import { AppError } from "../shared/errors.ts";
import type { LoginThrottle } from "./rate-limiter.ts";

export interface PasswordGuardDeps {
  throttle: LoginThrottle;
  audit: AuditRecorder;
  /** The account a phone number belongs to (none: nothing to record). */
  ownerOf(phone: string): Promise<string | null>;
  windowSec: number;
}

export function createPasswordGuard(d: PasswordGuardDeps) {
  const ipOf = (client: ClientInfo) => client.ip ?? "unknown";
  return {
    /** Before the password is checked: throws rate_limited (429) when the caller must wait. */
    async attempt(phone: string, client: ClientInfo): Promise<void> {
      try {
        await d.throttle.attempt(phone, ipOf(client));
      } catch (err) {
        if (err instanceof AppError && err.code === "rate_limited" && (await d.throttle.burstStarted(phone))) {
          const userId = await d.ownerOf(phone);
          const attempts = await d.throttle.attemptsOn(phone);
          if (userId) await d.audit.record({ user_id: userId, type: "login_failures", client, data: { attempts_since_last_login: attempts, window_sec: d.windowSec } });
        }
        throw err;
      }
    },
    /** After a correct password: the phone's failures are forgotten. */
    succeeded(phone: string, client: ClientInfo): Promise<void> {
      return d.throttle.succeeded(phone, ipOf(client));
    },
  };
}

export type PasswordGuard = ReturnType<typeof createPasswordGuard>;
