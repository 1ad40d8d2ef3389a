// REST calls from a chosen loopback source address (127.0.0.0/8 all reaches the server on
// 127.0.0.1), so that per-IP limits can be tested with real, distinct client addresses
// rather than X-Forwarded-For, which the server rightly ignores by default.
import { request } from "node:http";
import type { ApiResponse } from "./http.ts";

export interface CallOptions {
  token?: string;
  json?: unknown;
  headers?: Record<string, string>;
}

export function callFrom<T = any>(localAddress: string, baseUrl: string, method: string, path: string, opts: CallOptions = {}): Promise<ApiResponse<T>> {
  const url = new URL(path, baseUrl);
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  const body = opts.json === undefined ? undefined : JSON.stringify(opts.json);
  if (body !== undefined) headers["content-type"] = "application/json";
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path: url.pathname + url.search, method, headers, localAddress, agent: false }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (text += chunk));
      res.on("end", () => {
        let parsed: unknown = text;
        try {
          parsed = text ? JSON.parse(text) : null;
        } catch {
          /* not JSON: keep the text */
        }
        const h = new Headers();
        for (const [k, v] of Object.entries(res.headers)) if (typeof v === "string") h.set(k, v);
        resolve({ status: res.statusCode ?? 0, body: parsed as T, headers: h });
      });
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** A client that always calls from `localAddress`. */
export function apiFrom(localAddress: string, baseUrl: string) {
  return {
    get: <T = any>(path: string, token?: string) => callFrom<T>(localAddress, baseUrl, "GET", path, token ? { token } : {}),
    post: <T = any>(path: string, json: unknown, token?: string) => callFrom<T>(localAddress, baseUrl, "POST", path, { json, ...(token ? { token } : {}) }),
  };
}
