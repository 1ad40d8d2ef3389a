// The token pair: login, refresh before expiry, and the end of the session.
// Refresh tokens rotate and presenting a used one revokes the whole family (the server's
// theft detection), so two refreshes must never run with the same token: one refresh runs
// at a time however many callers wait (single flight), under an optional cross-tab lock,
// and it first adopts a pair that another tab or process sharing the store has rotated.
import { quietTimeout } from "./backoff.ts";
import { ChatError } from "./errors.ts";
import type { ChatStore } from "./stores.ts";
import type { ChatUser, Credentials, LogoutReason, Tokens } from "./types.ts";

export type { LogoutReason };

/** What the server's login and refresh answer (TokenResponse). */
interface TokenResponse {
  access_token: string;
  refresh_token: string;
  expires_in?: number;
  user?: ChatUser;
}

/** The claims the client reads from an access token (it never verifies it: the server does). */
function claimsOf(token: string): { exp?: number; iat?: number; sub?: string } {
  try {
    const part = token.split(".")[1] ?? "";
    const json = atob(part.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(part.length / 4) * 4, "="));
    return JSON.parse(json) as { exp?: number; iat?: number; sub?: string };
  } catch {
    return {};
  }
}

/** Builds the stored form of a token pair from what the caller or the server gave. */
export function tokensFrom(t: { access_token: string; refresh_token?: string | undefined; expires_at?: number | undefined; expires_in?: number | undefined; user?: ChatUser | undefined }): Tokens {
  const claims = claimsOf(t.access_token);
  const expiresAt = t.expires_at ?? (claims.exp ? claims.exp * 1000 : Date.now() + (t.expires_in ?? 1800) * 1000);
  const issuedAt = claims.iat ? claims.iat * 1000 : Date.now();
  const out: Tokens = { access_token: t.access_token, expires_at: expiresAt, lifetime_ms: Math.max(1000, expiresAt - issuedAt) };
  if (t.refresh_token) out.refresh_token = t.refresh_token;
  if (t.user) out.user = t.user;
  else if (claims.sub) out.user_id = claims.sub;
  if (t.user) out.user_id = t.user.id;
  return out;
}


/** What the auth part needs from the rest of the client. */
export interface AuthDeps {
  baseUrl: string;
  fetch: typeof fetch;
  store: ChatStore;
  /** Runs the refresh under a lock shared with other tabs (navigator.locks in browsers). */
  lock: (<T>(fn: () => Promise<T>) => Promise<T>) | undefined;
  onTokens(t: Tokens): void;
  onLoggedOut(reason: LogoutReason, err?: ChatError): void;
  countRefresh(): void;
}

/** The session's tokens and their lifecycle; see the file comment. */
export function createAuth(d: AuthDeps) {
  let current: Tokens | null = null;
  let refreshing: Promise<Tokens> | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let ended = false;

  async function post(path: string, init: RequestInit): Promise<TokenResponse> {
    let res: Response;
    try {
      res = await d.fetch(d.baseUrl + path, { method: "POST", ...init });
    } catch (err) {
      throw new ChatError("network_error", `${path}: ${(err as Error).message}`, { cause: err });
    }
    const body = (await res.json().catch(() => null)) as (TokenResponse & { error?: { code?: string; message?: string; details?: unknown } }) | null;
    if (!res.ok) {
      const e = body?.error;
      throw new ChatError(e?.code ?? `http_${res.status}`, e?.message ?? res.statusText, { status: res.status, details: e?.details });
    }
    return body as TokenResponse;
  }

  async function adopt(t: Tokens, persist = true) {
    current = t;
    if (persist) await d.store.set("auth", t);
    schedule();
    d.onTokens(t);
  }

  /** Refreshes a little before expiry: a minute early, or a quarter of a short token's life. */
  function schedule() {
    clearTimeout(timer);
    if (!current?.refresh_token || ended) return;
    const early = Math.min(60_000, current.lifetime_ms / 4);
    const wait = Math.max(0, current.expires_at - Date.now() - early);
    timer = quietTimeout(() => void self.refresh().catch(() => {
      /* told through logged_out, or retried on the next use */
    }), wait);
  }

  function end(reason: LogoutReason, err?: ChatError) {
    if (ended) return;
    ended = true;
    current = null;
    clearTimeout(timer);
    // The store's pair is another user's after a user change: theirs to keep.
    if (reason !== "user_changed") void Promise.resolve(d.store.delete("auth")).catch(() => {});
    d.onLoggedOut(reason, err);
  }

  const self = {
    /** The current pair, or null before start / after logout. */
    get tokens(): Tokens | null {
      return current;
    },
    /** Whether the session has ended (revoked, refused refresh, logout). */
    get ended(): boolean {
      return ended;
    },

    /** Starts from explicit tokens, a login, or the pair kept in the store (in that order). */
    async start(opts: { tokens?: { access_token: string; refresh_token?: string; expires_at?: number } | undefined; credentials?: Credentials | undefined }): Promise<Tokens> {
      if (opts.tokens) {
        await adopt(tokensFrom(opts.tokens));
      } else if (opts.credentials) {
        await self.login(opts.credentials);
      } else {
        const stored = await d.store.get<Tokens>("auth");
        if (!stored) throw new ChatError("logged_out", "No credentials, no tokens, and none in the store: log in first");
        await adopt(stored, false);
      }
      return current!;
    },

    /** Logs in with a username (the phone number) and password; the new pair replaces any other. */
    async login(c: Credentials): Promise<Tokens> {
      const body = await post("/api/auth/login", { headers: { "content-type": "application/json" }, body: JSON.stringify({ username: c.username, password: c.password }) });
      ended = false;
      await adopt(tokensFrom(body));
      return current!;
    },

    /** An access token valid for a while yet: refreshes first when it is about to expire. */
    async fresh(): Promise<string> {
      if (!current) throw new ChatError("logged_out", "Not logged in");
      if (current.refresh_token && current.expires_at - Date.now() < 5_000) return (await self.refresh()).access_token;
      return current.access_token;
    },

    /** Rotates the pair once, however many callers ask at the same time. */
    refresh(): Promise<Tokens> {
      refreshing ??= (async () => {
        const run = async () => {
          if (ended) throw new ChatError("logged_out", "The session has ended");
          // Another tab or process sharing the store rotated while we waited: its pair is ours.
          const stored = await d.store.get<Tokens>("auth");
          // ...unless it logged in as someone else there: this session is over, not switched.
          if (stored && current && stored.user_id !== undefined && current.user_id !== undefined && stored.user_id !== current.user_id) {
            end("user_changed");
            throw new ChatError("logged_out", "Another client sharing the store logged in as another user");
          }
          if (stored?.refresh_token && current && stored.refresh_token !== current.refresh_token && stored.expires_at > Date.now() + 5_000) {
            await adopt(stored, false);
            return stored;
          }
          const rt = current?.refresh_token;
          if (!rt) {
            end("no_refresh_token");
            throw new ChatError("logged_out", "The access token expired and there is no refresh token");
          }
          d.countRefresh();
          try {
            const body = await post("/api/auth/refresh", { headers: { authorization: `Bearer ${rt}` } });
            await adopt(tokensFrom({ ...body, user: body.user ?? current?.user }));
            return current!;
          } catch (err) {
            const e = err as ChatError;
            // 401: reused (family revoked), unknown or expired refresh token; 403: suspended.
            if (e.status === 401 || e.status === 403) {
              end(e.code === "account_suspended" ? "account_suspended" : e.code === "token_revoked" ? "session_revoked" : "refresh_failed", e);
              throw new ChatError("logged_out", e.message, { status: e.status, details: e.details, cause: e });
            }
            throw e;
          }
        };
        return d.lock ? d.lock(run) : run();
      })().finally(() => {
        refreshing = null;
      });
      return refreshing;
    },

    /** The server ended the session (revoked elsewhere, suspended): stop and tell the app. */
    end,

    /** Logs out on the server (best effort) and forgets the pair. */
    async logout(): Promise<void> {
      const token = current?.access_token;
      if (token && !ended) await post("/api/auth/logout", { headers: { authorization: `Bearer ${token}` } }).catch(() => {});
      end("logout");
    },

    /** Stops the refresh timer (the client closed). */
    stop() {
      clearTimeout(timer);
    },
  };
  return self;
}

/** The auth part of a client. */
export type Auth = ReturnType<typeof createAuth>;
