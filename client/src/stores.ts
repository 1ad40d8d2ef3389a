// Where the client keeps what must outlive a page or a process: the token pair, the event
// stream cursor and the outbox of unsent messages. An async key/value interface of
// JSON-serialisable values, so IndexedDB, React Native's AsyncStorage or a file fit behind
// it; the two built in cover tests, load generators (memory) and browsers (localStorage).

/**
 * A key/value store of JSON-serialisable values. Every method may be async; the client
 * never relies on two calls being atomic together, and it serialises its own writes.
 *
 * Keys the client uses: `auth` (the token pair and user), `cursor` (epoch and
 * last_event_seq), `outbox` (the sends not acknowledged yet).
 */
export interface ChatStore {
  /** The value stored under `key`, or undefined. */
  get<T = unknown>(key: string): Promise<T | undefined> | T | undefined;
  /** Stores a JSON-serialisable value under `key`. */
  set(key: string, value: unknown): Promise<void> | void;
  /** Removes `key` (removing a missing key is not an error). */
  delete(key: string): Promise<void> | void;
}

/**
 * A store in memory: nothing survives the process, but a new client given the same store
 * object resumes where the previous one stopped (what tests use to model a reload).
 * Values are copied through JSON so that callers cannot mutate what is stored.
 */
export function memoryStore(initial: Record<string, unknown> = {}): ChatStore & { readonly data: Map<string, string> } {
  const data = new Map<string, string>(Object.entries(initial).map(([k, v]) => [k, JSON.stringify(v)]));
  return {
    data,
    get<T>(key: string) {
      const raw = data.get(key);
      return raw === undefined ? undefined : (JSON.parse(raw) as T);
    },
    set(key, value) {
      data.set(key, JSON.stringify(value));
    },
    delete(key) {
      data.delete(key);
    },
  };
}

/** The part of the Web Storage API that {@link localStorageStore} uses. */
export interface StorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/**
 * A store over `localStorage` (or any Web Storage), every key under `prefix`, so several
 * clients (users, servers) can share one origin's storage. A value that is not valid JSON
 * (written by something else) reads as missing.
 */
export function localStorageStore(prefix = "chat.", storage: StorageLike = (globalThis as { localStorage?: StorageLike }).localStorage as StorageLike): ChatStore {
  if (!storage) throw new TypeError("localStorageStore: no localStorage here; pass a Storage");
  return {
    get<T>(key: string) {
      const raw = storage.getItem(prefix + key);
      if (raw === null) return undefined;
      try {
        return JSON.parse(raw) as T;
      } catch {
        return undefined;
      }
    },
    set(key, value) {
      storage.setItem(prefix + key, JSON.stringify(value));
    },
    delete(key) {
      storage.removeItem(prefix + key);
    },
  };
}
