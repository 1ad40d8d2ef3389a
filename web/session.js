// @ts-check
// The auth session: the token pair in localStorage, refreshed a minute before the access
// token expires (and on demand after a 401). Refresh tokens rotate and a reused one revokes
// the whole family (SPEC §2), so two tabs must never refresh with the same token: the
// refresh runs under a Web Lock and first checks whether another tab already rotated.

/** @typedef {import("./types.js").Session} Session */
/** @typedef {import("./types.js").Me} Me */

const STORAGE_KEY = "chat.session";
const REFRESH_EARLY_MS = 60_000;

/** @param {{ access_token: string, refresh_token: string, expires_in?: number, user: Me }} body @returns {Session} */
export function sessionFromTokenResponse(body) {
  return {
    access_token: body.access_token,
    refresh_token: body.refresh_token,
    expires_at: Date.now() + (body.expires_in ?? 30 * 60) * 1000,
    user: body.user,
  };
}

/** @returns {Session | null} */
function load() {
  try {
    const raw = localStorage.getItem(STORAGE_KEY);
    return raw ? /** @type {Session} */ (JSON.parse(raw)) : null;
  } catch {
    return null;
  }
}

/**
 * @param {{ onChange: (s: Session | null) => void }} hooks called on login, refresh, logout (also from other tabs)
 */
export function createSession(hooks) {
  /** @type {Session | null} */
  let current = load();
  /** @type {Promise<Session> | null} */
  let refreshing = null;
  /** @type {number | undefined} */
  let timer;

  /** @param {Session | null} s */
  function set(s) {
    current = s;
    if (s) localStorage.setItem(STORAGE_KEY, JSON.stringify(s));
    else localStorage.removeItem(STORAGE_KEY);
    schedule();
    hooks.onChange(s);
  }

  function schedule() {
    window.clearTimeout(timer);
    if (!current) return;
    const wait = Math.max(5_000, current.expires_at - Date.now() - REFRESH_EARLY_MS);
    timer = window.setTimeout(() => void refresh().catch(() => {}), wait);
  }

  /** @template T @param {() => Promise<T>} fn @returns {Promise<T>} */
  function exclusive(fn) {
    if (!navigator.locks) return fn(); // older browsers, and plain http on a LAN address (not a secure context)
    return /** @type {Promise<T>} */ (navigator.locks.request("chat-auth-refresh", fn));
  }

  /** Rotates the token pair once, however many callers ask at the same time. */
  function refresh() {
    refreshing ??= exclusive(async () => {
      const stored = load();
      if (!stored) throw new Error("signed out");
      // Another tab rotated while we waited for the lock: its pair is ours too.
      if (current && stored.refresh_token !== current.refresh_token) {
        set(stored);
        return stored;
      }
      const res = await fetch("/api/auth/refresh", { method: "POST", headers: { authorization: `Bearer ${stored.refresh_token}` } });
      if (res.status === 401) {
        set(null);
        throw new Error("session expired");
      }
      if (!res.ok) throw new Error(`refresh failed: ${res.status}`);
      const next = sessionFromTokenResponse(await res.json());
      set(next);
      return next;
    }).finally(() => {
      refreshing = null;
    });
    return refreshing;
  }

  window.addEventListener("storage", (e) => {
    if (e.key !== STORAGE_KEY) return;
    const s = load();
    if (s?.access_token === current?.access_token) return;
    current = s;
    schedule();
    hooks.onChange(s);
  });
  schedule();

  return {
    get current() {
      return current;
    },
    set,
    refresh,
    /** A token valid for at least a little while: refreshes first if it is about to expire. */
    async freshAccessToken() {
      if (!current) throw new Error("signed out");
      if (current.expires_at - Date.now() < 30_000) return (await refresh()).access_token;
      return current.access_token;
    },
    /** @param {Me} user */
    updateUser(user) {
      if (current) set({ ...current, user });
    },
  };
}

/** @typedef {ReturnType<typeof createSession>} SessionManager */
