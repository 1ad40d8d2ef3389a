// The one HTTP request a Web Push send makes, under the SSRF guard and a hard deadline.
// web-push builds the request (VAPID, aes128gcm, headers: generateRequestDetails) and this
// sends it, rather than web-push's sendNotification, because its `timeout` is a socket idle
// timeout only (a service that trickles a byte a second never times out) and it always
// speaks https (the loopback http: that tests may allow would fail).
import http from "node:http";
import https from "node:https";
import { createSecureContext, rootCertificates } from "node:tls";
import { guardedLookup, type EndpointPolicy } from "./endpoint-guard.ts";

export interface PushHttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** The first 4 KB of the body, for logs (push services explain refusals there). */
  body: string;
}

/** Agents whose DNS lookup refuses forbidden addresses; `ca`: extra CA certificates (PEM) to trust besides the system's. */
export function guardedAgents(policy: EndpointPolicy, ca?: string) {
  const lookup = guardedLookup(policy) as unknown as http.AgentOptions["lookup"];
  return {
    // One secure context made once: a `ca` list given as an option is parsed again (every
    // root certificate) for each new TLS connection, which bench:push showed costs the
    // event loop tens of milliseconds per connection.
    https: new https.Agent({ keepAlive: true, maxSockets: 64, lookup, ...(ca ? { secureContext: createSecureContext({ ca: [...rootCertificates, ca] }) } : {}) }),
    http: new http.Agent({ keepAlive: true, maxSockets: 64, lookup }),
    close() {
      this.https.destroy();
      this.http.destroy();
    },
  };
}

const MAX_BODY = 4096;

/** POSTs and resolves with the answer; rejects on network errors, on `signal`, or after `timeoutMs` in all (a TimeoutError). */
export function postWithDeadline(
  url: URL,
  opts: { headers: Record<string, string | number>; body: Buffer | null; agents: ReturnType<typeof guardedAgents>; timeoutMs: number; signal: AbortSignal },
): Promise<PushHttpResponse> {
  return new Promise((resolve, reject) => {
    const secure = url.protocol === "https:";
    const deadline = AbortSignal.timeout(opts.timeoutMs);
    const signal = AbortSignal.any([opts.signal, deadline]);
    const req = (secure ? https : http).request(url, { method: "POST", headers: opts.headers, agent: secure ? opts.agents.https : opts.agents.http, signal }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        if (body.length < MAX_BODY) body += chunk.slice(0, MAX_BODY - body.length);
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on("error", reject);
    });
    req.on("error", (err) => reject(deadline.aborted ? Object.assign(new Error(`no answer in ${opts.timeoutMs} ms`), { name: "TimeoutError" }) : err));
    req.end(opts.body ?? undefined);
  });
}
