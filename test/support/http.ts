// A small fetch wrapper for REST calls in tests: JSON in, status and JSON out. When the
// server runs in this process, `services` lets the factories write through the services
// instead of over HTTP (test/support/factories.ts).
import type { Services } from "../../src/services.ts";
export interface ApiResponse<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export function api(baseUrl: string, opts: { services?: Services } = {}) {
  async function call<T = any>(method: string, path: string, opts: { token?: string; json?: unknown; form?: Record<string, string>; raw?: string; headers?: Record<string, string> } = {}): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    let body: string | undefined;
    if (opts.json !== undefined) {
      headers["content-type"] = "application/json";
      body = JSON.stringify(opts.json);
    } else if (opts.form) {
      headers["content-type"] = "application/x-www-form-urlencoded";
      body = new URLSearchParams(opts.form).toString();
    } else if (opts.raw !== undefined) {
      headers["content-type"] ??= "application/json";
      body = opts.raw;
    }
    const res = await fetch(baseUrl + path, { method, headers, body });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      /* not JSON: keep the text */
    }
    return { status: res.status, body: parsed as T, headers: res.headers };
  }
  return {
    services: opts.services,
    call,
    get: <T = any>(path: string, token?: string) => call<T>("GET", path, token ? { token } : {}),
    post: <T = any>(path: string, json: unknown, token?: string) => call<T>("POST", path, { json, ...(token ? { token } : {}) }),
    put: <T = any>(path: string, json: unknown, token?: string) => call<T>("PUT", path, { json, ...(token ? { token } : {}) }),
    del: <T = any>(path: string, token?: string) => call<T>("DELETE", path, token ? { token } : {}),
  };
}

export type Api = ReturnType<typeof api>;
