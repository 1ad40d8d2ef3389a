// When to try a push again. Exponential backoff with jitter (so that pushes refused together
// by one overloaded service do not come back together), except when the service said when
// (Retry-After), which is then honoured as given. Nothing is retried past the push's TTL:
// the push service would drop it anyway, and a "new message" a day late helps nobody.

export interface RetryPolicy {
  /** Attempts in all, the first one included (PUSH_MAX_ATTEMPTS). */
  maxAttempts: number;
  baseMs: number;
  maxMs: number;
}

/**
 * The delay before attempt `failedAttempt + 1`: base·2^(n-1) capped at maxMs, of which a random
 * half is taken off ("equal jitter": never less than half the step, never more than it); or
 * Retry-After plus up to 10% (at most 1 s) so that the many pushes it refused spread out.
 */
export function retryDelayMs(failedAttempt: number, policy: RetryPolicy, retryAfterMs?: number, random: () => number = Math.random): number {
  if (retryAfterMs !== undefined) return Math.ceil(retryAfterMs + Math.min(1000, retryAfterMs * 0.1) * random());
  const step = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(30, failedAttempt - 1));
  return Math.ceil(step / 2 + (step / 2) * random());
}

/**
 * Retry-After (RFC 9110 §10.2.3): delay-seconds or an HTTP-date, in ms from `now`; undefined
 * when absent or unreadable (the backoff applies then). A date in the past is 0.
 */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (value == null) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Math.min(Number(v), 7 * 24 * 3600) * 1000;
  const at = Date.parse(v);
  // Date.parse also reads odd shapes ("1"); an HTTP-date has a weekday and "GMT".
  if (Number.isNaN(at) || !/GMT$/.test(v)) return undefined;
  return Math.max(0, at - now);
}
