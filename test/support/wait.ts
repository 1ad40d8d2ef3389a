// Waiting for a thing to happen instead of for a while: poll a condition until it holds or
// a deadline passes. Server events have their own waits (nextEvent in clients.ts).

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Polls `check` every `intervalMs` until it returns true, and says whether it did before
 * `timeoutMs` ran out. An exception from `check` is not retried: it rejects at once.
 */
export async function until(check: () => boolean | Promise<boolean>, timeoutMs = 10_000, intervalMs = 20): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) return false;
    await sleep(intervalMs);
  }
  return true;
}

/** Like `until`, but throws `timed out ... waiting for <what>` when the time runs out. */
export async function waitFor(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000, intervalMs = 20): Promise<void> {
  if (!(await until(check, timeoutMs, intervalMs))) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

/** What a test server exposes of itself to these waits (TestServer["app"] has both). */
export interface ServerInternals {
  io: { of(ns: string): { sockets: Map<string, unknown> } };
  services: { inflight: { count: number } };
}

/** Sockets the server still holds, over the three namespaces. */
export const openSockets = (app: Pick<ServerInternals, "io">) => ["/couples", "/groups", "/dm"].reduce((n, ns) => n + app.io.of(ns).sockets.size, 0);

/**
 * Waits until the server holds no socket and has no work in flight (disconnect handlers,
 * that is presence updates, run as tracked work): what "the server has handled every
 * disconnect" means. Resolves false if that does not happen in time.
 */
export function serverIdle(app: ServerInternals, timeoutMs = 5000): Promise<boolean> {
  return until(() => openSockets(app) === 0 && app.services.inflight.count === 0, timeoutMs);
}
