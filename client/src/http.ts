// Authorized JSON over fetch for the REST API: the bearer token on every call, one
// refresh-and-retry when the server says the token expired (single-flight in auth.ts, so a
// burst of calls with an expired token costs one refresh), and errors kept in the server's
// vocabulary ({error: {code, message, details}} → ChatError with status).
import type { Auth } from "./auth.ts";
import { AUTH_CODES, ChatError } from "./errors.ts";

/** Options of `client.api`: a RequestInit plus `json` (sent as the JSON body) and `auth`. */
export interface ApiInit extends Omit<RequestInit, "body"> {
  /** Serialised as the JSON body (content-type set). */
  json?: unknown;
  /** Any other body (FormData for uploads: the browser sets the boundary). */
  body?: RequestInit["body"];
  /** Send the bearer token (default true). */
  auth?: boolean;
  /**
   * Resolve with the Response itself, body unread (a download: `await res.blob()`), after the
   * same refresh-and-retry; an error status still rejects with a ChatError.
   */
  raw?: boolean;
}

async function parse(res: Response): Promise<unknown> {
  const text = await res.text();
  let body: unknown = null;
  if (text) {
    try {
      body = JSON.parse(text);
    } catch {
      body = res.ok ? text : { error: { code: "bad_response", message: text.slice(0, 200) } };
    }
  }
  if (res.ok) return body;
  const e = (body as { error?: { code?: string; message?: string; details?: unknown } } | null)?.error;
  throw new ChatError(e?.code ?? `http_${res.status}`, e?.message ?? (res.statusText || `HTTP ${res.status}`), { status: res.status, details: e?.details });
}

/** The REST part of a client. */
export function createHttp(d: { baseUrl: string; fetch: typeof fetch; auth: Auth }) {
  async function send(path: string, init: ApiInit, token: string | null): Promise<Response> {
    const { json, auth: _auth, raw: _raw, headers: given, ...rest } = init;
    const headers = new Headers(given);
    if (!headers.has("accept")) headers.set("accept", "application/json");
    if (token) headers.set("authorization", `Bearer ${token}`);
    let body = init.body;
    if (json !== undefined) {
      headers.set("content-type", "application/json");
      body = JSON.stringify(json);
    }
    const url = /^https?:\/\//.test(path) ? path : d.baseUrl + path;
    try {
      return await d.fetch(url, { ...rest, headers, ...(body !== undefined ? { body } : {}) });
    } catch (err) {
      throw new ChatError("network_error", `${init.method ?? "GET"} ${path}: ${(err as Error).message}`, { cause: err });
    }
  }

  /** The answer, after one refresh-and-retry if the token was refused as expired. */
  async function authorized(path: string, init: ApiInit): Promise<Response> {
    if (init.auth === false) return send(path, init, null);
    const used = await d.auth.fresh();
    const res = await send(path, init, used);
    if (res.status !== 401) return res;
    const body = (await res
      .clone()
      .json()
      .catch(() => null)) as { error?: { code?: string } } | null;
    // Expired early, or the clock is off: rotate once and retry once. A revoked session
    // makes the refresh fail with 401, which ends the session (logged_out).
    if (!AUTH_CODES.has(body?.error?.code ?? "")) return res;
    // Another call refreshed meanwhile: its token is ours too (one refresh per burst).
    const now = d.auth.tokens?.access_token;
    const token = now && now !== used ? now : (await d.auth.refresh()).access_token;
    return send(path, init, token);
  }

  return {
    /** Calls the REST API and resolves with the parsed JSON body (null for 204). */
    async request<T = unknown>(path: string, init: ApiInit = {}): Promise<T> {
      return (await parse(await authorized(path, init))) as T;
    },
    /** Calls the REST API and resolves with the Response, its body unread; an error status rejects as `request` does. */
    async raw(path: string, init: ApiInit = {}): Promise<Response> {
      const res = await authorized(path, init);
      if (!res.ok) await parse(res);
      return res;
    },
  };
}

/** The REST part of a client. */
export type Http = ReturnType<typeof createHttp>;
