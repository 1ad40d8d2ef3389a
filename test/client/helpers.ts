// Helpers of the SDK tests: a client for a test user, and waits on the client's own events.
import { createChatClient, type ChatClient, type ChatClientEvents, type ChatClientOptions } from "../../client/src/index.ts";
import type { TestUser } from "../support/factories.ts";

/** A client logged in as `user` (by password, as an app would), with fast reconnects. */
export function clientFor(url: string, user: TestUser, opts: Partial<ChatClientOptions> = {}): ChatClient {
  return createChatClient({
    url,
    credentials: { username: user.phone, password: user.password },
    ...opts,
    socketOptions: { reconnectionDelay: 100, reconnectionDelayMax: 1000, ...opts.socketOptions },
  });
}

/** The next `event` of the client whose first argument matches, or a timeout error. */
export function nextClientEvent<E extends keyof ChatClientEvents>(client: ChatClient, event: E, match: (...args: Parameters<ChatClientEvents[E]>) => boolean = () => true, timeoutMs = 10_000): Promise<Parameters<ChatClientEvents[E]>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`timed out waiting for the client's ${String(event)}`));
    }, timeoutMs);
    const off = client.on(event, ((...args: Parameters<ChatClientEvents[E]>) => {
      if (!match(...args)) return;
      clearTimeout(timer);
      off();
      resolve(args);
    }) as ChatClientEvents[E]);
  });
}

/** A fetch that counts the requests made to each path (the query left out). */
export function countingFetch() {
  const counts = new Map<string, number>();
  const f: typeof fetch = (input, init) => {
    const url = new URL(typeof input === "string" ? input : input instanceof URL ? input.href : input.url);
    counts.set(url.pathname, (counts.get(url.pathname) ?? 0) + 1);
    return fetch(input, init);
  };
  return { fetch: f, count: (path: string) => counts.get(path) ?? 0 };
}
