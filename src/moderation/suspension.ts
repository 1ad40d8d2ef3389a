// What a suspension means wherever an account is let in: login, refresh, the socket
// handshake. A suspension "indefinitely" is stored as a far date (as a mute "for good" is),
// so every check is one comparison; clients see it as `until: null`.
import { AppError } from "../shared/errors.ts";

export const SUSPENDED_INDEFINITELY = new Date("9999-12-31T23:59:59.999Z");

/** True while the suspension that ends at `until` (ms or Date; null: none) lasts. */
export function isSuspended(until: Date | number | null | undefined, now = Date.now()): boolean {
  if (until === null || until === undefined) return false;
  return (typeof until === "number" ? until : until.getTime()) > now;
}

/** The end clients see: an ISO time, or null for "indefinitely". */
export function suspensionEnd(until: Date): string | null {
  return until.getTime() >= SUSPENDED_INDEFINITELY.getTime() ? null : until.toISOString();
}

export function suspendedError(until: Date | number): AppError {
  const end = suspensionEnd(new Date(until));
  return new AppError("account_suspended", end ? `This account is suspended until ${end}` : "This account is suspended indefinitely", { until: end });
}

/** Refuses a suspended user (login, refresh): 403 account_suspended with until. */
export function assertNotSuspended(user: { suspended_until: Date | null } | null | undefined, now = Date.now()): void {
  if (user && isSuspended(user.suspended_until, now)) throw suspendedError(user.suspended_until!);
}
