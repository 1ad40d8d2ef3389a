// Retry pacing shared by sends, syncs and gap fills: exponential with "full jitter" between
// half and all of the step, so that thousands of clients cut off at the same moment do not
// come back in lockstep (the reconnect-storm benchmark's lesson).

/** How retries are spaced: `minMs` doubling up to `maxMs`, each delay randomised. */
export interface Backoff {
  minMs: number;
  maxMs: number;
}

/** The delay before retry number `attempt` (0-based): between half and all of min·2^attempt, capped. */
export function backoffDelay(b: Backoff, attempt: number): number {
  const step = Math.min(b.maxMs, b.minMs * 2 ** Math.min(attempt, 20));
  return step / 2 + Math.random() * (step / 2);
}

/** A timer that does not keep a Node process alive (browsers have no `unref`). */
export function quietTimeout(fn: () => void, ms: number): ReturnType<typeof setTimeout> {
  const t = setTimeout(fn, ms);
  (t as { unref?: () => void }).unref?.();
  return t;
}

/** Resolves after `ms`, or at once when `signal` (if any) says the client closed. */
export function sleep(ms: number, signal?: { closed: boolean; wake?: Set<() => void> }): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.closed) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.wake?.delete(done);
      resolve();
    };
    const timer = quietTimeout(done, ms);
    signal?.wake?.add(done);
  });
}
