// Google's OAuth2 for FCM HTTP v1 without a Google library: the service account signs a JWT
// (RS256, jsonwebtoken) and trades it at its token_uri for an access token (the JWT bearer
// grant, RFC 7523), which is kept until a minute before it expires and shared by every send
// of this process (concurrent sends wait for one request).
import { readFileSync } from "node:fs";
import jwt from "jsonwebtoken";

export const FCM_SCOPE = "https://www.googleapis.com/auth/firebase.messaging";

export interface ServiceAccount {
  project_id: string;
  client_email: string;
  private_key: string;
  private_key_id?: string | undefined;
  token_uri: string;
}

/** The service account from FCM_SERVICE_ACCOUNT_FILE or _JSON; null when neither is set. Throws, naming the variable, on a bad one. */
export function loadServiceAccount(cfg: { serviceAccountFile?: string | undefined; serviceAccountJson?: string | undefined }): ServiceAccount | null {
  const source = cfg.serviceAccountFile ? "FCM_SERVICE_ACCOUNT_FILE" : "FCM_SERVICE_ACCOUNT_JSON";
  let text: string;
  if (cfg.serviceAccountFile) {
    try {
      text = readFileSync(cfg.serviceAccountFile, "utf8");
    } catch (err) {
      throw new Error(`FCM_SERVICE_ACCOUNT_FILE: cannot read ${cfg.serviceAccountFile}: ${(err as Error).message}`, { cause: err });
    }
  } else if (cfg.serviceAccountJson) {
    text = cfg.serviceAccountJson;
  } else {
    return null;
  }
  let parsed: Partial<Record<keyof ServiceAccount, unknown>>;
  try {
    parsed = JSON.parse(text) as typeof parsed;
  } catch (err) {
    throw new Error(`${source}: is not JSON (a service account key file from the Firebase console)`, { cause: err });
  }
  for (const field of ["project_id", "client_email", "private_key", "token_uri"] as const) {
    if (typeof parsed[field] !== "string" || !parsed[field]) throw new Error(`${source}: the service account has no ${field}`);
  }
  if (!/^https?:\/\//.test(parsed.token_uri as string)) throw new Error(`${source}: token_uri is not an http(s) URL`);
  return {
    project_id: parsed.project_id as string,
    client_email: parsed.client_email as string,
    private_key: parsed.private_key as string,
    private_key_id: typeof parsed.private_key_id === "string" ? parsed.private_key_id : undefined,
    token_uri: parsed.token_uri as string,
  };
}

/** A token request that failed for good (bad key, unknown account): retrying will not help. */
export class FcmAuthError extends Error {
  override name = "FcmAuthError";
}

export interface FcmTokenSource {
  /** A valid access token, from the cache or freshly granted. Throws FcmAuthError, or a network/timeout error (retryable). */
  get(signal: AbortSignal): Promise<string>;
  /** Drops the cached token (FCM answered 401 with it). */
  invalidate(token: string): void;
}

export function fcmTokenSource(account: ServiceAccount, opts: { timeoutMs: number; now?: () => number }): FcmTokenSource {
  const now = opts.now ?? Date.now;
  let cached: { token: string; until: number } | null = null;
  let pending: Promise<string> | null = null;

  async function grant(): Promise<string> {
    const assertion = jwt.sign({ scope: FCM_SCOPE }, account.private_key, {
      algorithm: "RS256",
      issuer: account.client_email,
      audience: account.token_uri,
      expiresIn: 3600,
      ...(account.private_key_id ? { keyid: account.private_key_id } : {}),
    });
    const res = await fetch(account.token_uri, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ grant_type: "urn:ietf:params:oauth:grant-type:jwt-bearer", assertion }).toString(),
      signal: AbortSignal.timeout(opts.timeoutMs),
    });
    const body = (await res.json().catch(() => ({}))) as { access_token?: unknown; expires_in?: unknown; error?: unknown; error_description?: unknown };
    if (res.status >= 500 || res.status === 429) throw Object.assign(new Error(`token endpoint answered ${res.status}`), { code: `HTTP_${res.status}` });
    if (!res.ok || typeof body.access_token !== "string") throw new FcmAuthError(`token endpoint refused the grant (${res.status}): ${String(body.error ?? "")} ${String(body.error_description ?? "")}`.trim());
    const ttlSec = typeof body.expires_in === "number" ? body.expires_in : 3600;
    // A minute early: a token must not expire between this check and FCM reading it.
    cached = { token: body.access_token, until: now() + Math.max(0, ttlSec - 60) * 1000 };
    return body.access_token;
  }

  return {
    get(signal) {
      if (cached && cached.until > now()) return Promise.resolve(cached.token);
      pending ??= grant().finally(() => (pending = null));
      // One caller aborting (shutdown) must not fail the others waiting on the same grant.
      return new Promise((resolve, reject) => {
        const onAbort = () => reject(signal.reason);
        signal.addEventListener("abort", onAbort, { once: true });
        pending!.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
      });
    },
    invalidate(token) {
      if (cached?.token === token) cached = null;
    },
  };
}
