// Operators suspend accounts (until a time, or indefinitely) and lift suspensions. Suspending
// ends every session of the user at once, through the one path sessions end by (their
// sockets disconnect on every node, refresh tokens stop working); from then on login and
// refresh answer 403 account_suspended with until, and a socket handshake with an access
// token issued before is refused (the handshake's user facts are told on every node).
import { AppError, notFound } from "../shared/errors.ts";
import type { UserRecord, UserRepository } from "../users/user.repository.ts";
import type { Moderator, RecordModeration } from "./moderation-audit.ts";
import type { SuspensionDto } from "./moderation.schemas.ts";
import type { Operators } from "./operators.ts";
import { isSuspended, SUSPENDED_INDEFINITELY, suspensionEnd } from "./suspension.ts";

export interface SuspensionDeps {
  users: Pick<UserRepository, "setSuspension">;
  operators: Operators;
  /** Ends every live session of the user (src/auth/session-ending.ts endAllOf). */
  endSessions(userId: string): Promise<unknown>;
  /** The handshake caches forget the user, on every node (src/auth/handshake-caches.ts usersChanged). */
  usersChanged(userIds: string[]): void;
  record: RecordModeration;
}

export function toSuspensionDto(u: Pick<UserRecord, "id" | "suspended_until" | "suspension_reason">): SuspensionDto {
  const on = isSuspended(u.suspended_until);
  return { user_id: u.id, suspended: on, until: on ? suspensionEnd(u.suspended_until!) : null, reason: on ? u.suspension_reason : null };
}

export function createSuspensions(d: SuspensionDeps) {
  return {
    /** `until` absent: indefinitely, until lifted. Suspending again replaces the end and the reason. */
    async suspend(actorId: string, userId: string, s: { until?: Date | undefined; reason: string }, o: { report_id?: string } = {}): Promise<SuspensionDto> {
      d.operators.assert(actorId);
      if (userId === actorId) throw new AppError("bad_request", "An operator cannot suspend their own account");
      if (s.until && s.until.getTime() <= Date.now()) throw new AppError("validation_error", "until: must be in the future", { fields: [{ field: "until", message: "must be in the future" }] });
      const until = s.until && s.until < SUSPENDED_INDEFINITELY ? s.until : SUSPENDED_INDEFINITELY;
      const user = await d.users.setSuspension(userId, { until, reason: s.reason });
      if (!user) throw notFound("User");
      // The flag first, then the sessions: a handshake or refresh between the two already
      // finds the account suspended, and a login racing past its check looks again once its
      // session is stored (auth.service.ts), so no session outlives the suspension.
      d.usersChanged([userId]);
      await d.endSessions(userId);
      const actor: Moderator = { id: actorId, operator: true };
      await d.record({ type: "suspension", subject: userId, actor, data: { action: "suspended", until: suspensionEnd(until), report_id: o.report_id ?? null } });
      return toSuspensionDto(user);
    },

    /** Lifting a suspension that is not there is harmless. */
    async lift(actorId: string, userId: string): Promise<SuspensionDto> {
      d.operators.assert(actorId);
      const user = await d.users.setSuspension(userId, null);
      if (!user) throw notFound("User");
      d.usersChanged([userId]);
      await d.record({ type: "suspension", subject: userId, actor: { id: actorId, operator: true }, data: { action: "lifted" } });
      return toSuspensionDto(user);
    },
  };
}

export type Suspensions = ReturnType<typeof createSuspensions>;
