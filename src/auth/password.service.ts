// Changing the password while logged in: the current password is checked through the same
// throttle as a login (a stolen access token must not buy unlimited guesses at it), then
// the new hash is stored and every OTHER session of the user ends: whoever else held a
// login (the reason one changes a password) is out at once, sockets included, while the
// device that changed it stays logged in.
//
// A login with the old password that checked the hash just before the change and creates
// its session just after the other sessions were listed survives (a window of one bcrypt
// verification); closing it would need a password version on every session.
import type { AuditRecorder } from "../audit/audit.service.ts";
import type { ClientInfo } from "../shared/client-info.ts";
import { AppError, unauthorized } from "../shared/errors.ts";
import type { UserRepository } from "../users/user.repository.ts";
import type { ChangePasswordBody } from "./auth.schemas.ts";
import type { PasswordGuard } from "./password-guard.ts";
import type { PasswordHasher } from "./password-hasher.ts";
import type { SessionEnding } from "./session-ending.ts";

export interface PasswordServiceDeps {
  userRecords: UserRepository;
  hasher: PasswordHasher;
  guard: PasswordGuard;
  ending: SessionEnding;
  audit: AuditRecorder;
}

export function createPasswordService(d: PasswordServiceDeps) {
  return {
    /** Returns how many other sessions were ended. */
    async change(caller: { userId: string; sessionId: string }, body: ChangePasswordBody, client: ClientInfo): Promise<{ sessions_ended: number }> {
      // Refused before anything is checked or counted: it changes nothing either way.
      if (body.new_password === body.current_password) {
        throw new AppError("validation_error", "new_password: must differ from current_password", { fields: [{ field: "new_password", message: "must differ from current_password" }] });
      }
      const user = await d.userRecords.byId(caller.userId);
      if (!user) throw unauthorized("The user of this token no longer exists");
      await d.guard.attempt(user.phone, client);
      if (!(await d.hasher.verify(body.current_password, user.password_hash))) {
        throw new AppError("wrong_password", "current_password is not this account's password; the password was not changed");
      }
      await d.guard.succeeded(user.phone, client);
      if (!(await d.userRecords.setPasswordHash(user.id, await d.hasher.hash(body.new_password)))) throw unauthorized("The user of this token no longer exists");
      const ended = await d.ending.endAllOf(user.id, "password_change", { except: caller.sessionId, client });
      await d.audit.record({ user_id: user.id, type: "password_changed", client, data: { session_id: caller.sessionId, sessions_ended: ended } });
      return { sessions_ended: ended };
    },
  };
}

export type PasswordService = ReturnType<typeof createPasswordService>;
