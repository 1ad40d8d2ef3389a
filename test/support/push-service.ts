// A local Web Push service (RFC 8030) that checks what it receives the way a real one and the
// browser behind it would: the VAPID Authorization (RFC 8292), the TTL/Topic/Urgency headers,
// the 4096-octet limit, and that the body decrypts (RFC 8291 aes128gcm) with the subscription's
// keys. It speaks HTTPS only, with a self-signed certificate: web-push sends every request
// with https.request whatever the endpoint's scheme. Senders trust it through `agent` (web-push's
// `agent` option) or `ca`.
import { randomUUID } from "node:crypto";
import https from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import { Arrivals, Behaviours, decryptWebPush, listen, readBody, fromBase64url, newUserAgentKeys, p256PublicKey, parseJwt, Refusal, selfSignedCertificate, verifyEs256, type UserAgentKeys } from "./push-crypto.ts";

/** How the service answers: a status (with Retry-After), never, or by dropping the socket. */
export type Behaviour = ({ status: number; retryAfterSec?: number } | { hang: true } | { down: true }) & { times?: number };

export interface ReceivedPush {
  id: string;
  endpoint: string;
  /** The decrypted payload, parsed if it is JSON (undefined for an empty push). */
  payload: unknown;
  rawText: string;
  ttl: number;
  topic: string | undefined;
  urgency: string;
  vapid: { aud: string; exp: number; sub: string; publicKey: string };
  receivedAt: number;
}
export interface RejectedPush {
  endpoint: string;
  status: number;
  reason: string;
  receivedAt: number;
}
export interface PushSubscriptionJSON {
  endpoint: string;
  keys: { p256dh: string; auth: string };
}

export interface PushService {
  /** https://127.0.0.1:<port> */
  url: string;
  /** The service's self-signed certificate (PEM), to trust it. */
  ca: string;
  /** An https.Agent that trusts it: pass as web-push's `agent` option. */
  agent: https.Agent;
  /** A browser-like subscription; `applicationServerKey` pins its VAPID key as a browser does. */
  newSubscription(opts?: { applicationServerKey?: string }): PushSubscriptionJSON;
  /** Refuse (403) pushes not signed by this VAPID public key (base64url), or null to accept any. */
  expectVapidKey(k: string | null): void;
  /** An endpoint's own behaviour beats "*"; a status is answered only once the push verified. */
  setBehaviour(endpoint: string | "*", b: Behaviour | null): void;
  received: ReceivedPush[];
  rejected: RejectedPush[];
  /** Every request, whatever it was answered: endpoint and status (0: hung or dropped). */
  attempts: { endpoint: string; status: number }[];
  waitForPushes(n: number, timeoutMs?: number): Promise<ReceivedPush[]>;
  clear(): void;
  stop(): Promise<void>;
}

const URGENCIES = new Set(["very-low", "low", "normal", "high"]);
const MAX_BODY = 4096; // what Chrome/FCM, Mozilla and Apple accept, RFC 8030 §7.2 "at least 4096"

export async function startPushService(): Promise<PushService> {
  const { key, cert } = selfSignedCertificate("push-service.test");
  const subs = new Map<string, { keys: UserAgentKeys; vapidKey: string | undefined }>();
  const behaviours = new Behaviours<Behaviour>();
  const arrivals = new Arrivals<ReceivedPush>();
  const rejected: RejectedPush[] = [];
  const attempts: { endpoint: string; status: number }[] = [];
  let pinned: string | null = null;
  let origin = "";

  const answer = (res: ServerResponse, endpoint: string, status: number, headers: Record<string, string>, body: string) => {
    attempts.push({ endpoint, status });
    res.writeHead(status, { "content-type": "application/json", ...headers }).end(body);
  };

  function verifyVapid(req: IncomingMessage, vapidKey: string | undefined): ReceivedPush["vapid"] {
    const auth = req.headers.authorization;
    if (!auth) throw new Refusal(401, "no Authorization header (VAPID required)");
    const m = /^vapid\s+(.+)$/i.exec(auth);
    if (!m) throw new Refusal(401, `Authorization is not "vapid t=<jwt>, k=<key>": ${auth.slice(0, 40)}`);
    const params = new Map(m[1]!.split(",").map((p) => p.trim().split("=", 2) as [string, string]));
    const t = params.get("t");
    const k = params.get("k");
    if (!t || !k) throw new Refusal(401, "VAPID Authorization lacks t= or k=");
    const expectedKey = vapidKey ?? pinned;
    if (expectedKey && k !== expectedKey) throw new Refusal(403, "VAPID key k= is not the subscription's application server key");
    let publicKey;
    try {
      publicKey = p256PublicKey(fromBase64url(k, "VAPID k", 401));
    } catch (e) {
      throw e instanceof Refusal ? e : new Refusal(401, "VAPID k= is not an uncompressed P-256 public key");
    }
    const jwt = parseJwt(t, 401);
    if (jwt.header.alg !== "ES256" || jwt.header.typ !== "JWT") throw new Refusal(401, `VAPID JWT header is ${JSON.stringify(jwt.header)}, want {typ:"JWT",alg:"ES256"}`);
    if (!verifyEs256(jwt, publicKey)) throw new Refusal(401, "VAPID JWT signature does not verify against k=");
    const { aud, exp, sub } = jwt.claims;
    if (aud !== origin) throw new Refusal(401, `VAPID aud ${JSON.stringify(aud)} is not the push service origin ${origin}`);
    const now = Date.now() / 1000;
    if (typeof exp !== "number" || exp <= now) throw new Refusal(401, `VAPID exp ${exp} is not in the future`);
    if (exp > now + 86_400) throw new Refusal(401, `VAPID exp ${exp} is more than 24 h ahead`);
    if (typeof sub !== "string" || !/^(mailto:.+|https:\/\/.+)$/.test(sub)) throw new Refusal(401, `VAPID sub ${JSON.stringify(sub)} is not a mailto: or https: URL`);
    return { aud, exp, sub, publicKey: k };
  }

  function verifyPush(req: IncomingMessage, body: Buffer, endpoint: string, sub: { keys: UserAgentKeys; vapidKey: string | undefined }): ReceivedPush {
    const vapid = verifyVapid(req, sub.vapidKey);
    const ttl = req.headers.ttl;
    if (typeof ttl !== "string" || !/^\d+$/.test(ttl)) throw new Refusal(400, `TTL header missing or not a non-negative integer: ${ttl}`);
    const topic = req.headers.topic as string | undefined;
    if (topic !== undefined && !/^[A-Za-z0-9_-]{1,32}$/.test(topic)) throw new Refusal(400, `Topic ${JSON.stringify(topic)} is not 1-32 base64url characters`);
    const urgency = (req.headers.urgency as string | undefined) ?? "normal";
    if (!URGENCIES.has(urgency)) throw new Refusal(400, `Urgency ${JSON.stringify(urgency)} is not very-low|low|normal|high`);
    let rawText = "";
    let payload: unknown;
    if (body.length > 0) {
      const encoding = req.headers["content-encoding"];
      if (encoding !== "aes128gcm") throw new Refusal(400, `Content-Encoding ${JSON.stringify(encoding)}, want aes128gcm`);
      rawText = new TextDecoder("utf-8", { fatal: false }).decode(decryptWebPush(body, sub.keys));
      try {
        payload = JSON.parse(rawText);
      } catch {
        payload = rawText;
      }
    }
    return { id: randomUUID(), endpoint, payload, rawText, ttl: Number(ttl), topic, urgency, vapid, receivedAt: Date.now() };
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const path = (req.url ?? "/").split("?")[0]!;
    const endpoint = origin + path;
    const reject = (status: number, reason: string) => {
      rejected.push({ endpoint, status, reason, receivedAt: Date.now() });
      answer(res, endpoint, status, {}, JSON.stringify({ code: status, error: reason, message: reason }));
    };
    const id = /^\/push\/([A-Za-z0-9_-]+)$/.exec(path)?.[1];
    if (req.method !== "POST" || !id) return reject(404, `no route ${req.method} ${path}`);
    const b = behaviours.take(endpoint);
    if (b && "down" in b) {
      attempts.push({ endpoint, status: 0 });
      return req.socket.destroy();
    }
    const body = await readBody(req);
    if (b && "hang" in b) return void attempts.push({ endpoint, status: 0 });
    const sub = subs.get(id);
    if (!sub) return reject(404, `unknown subscription ${id}`);
    if (body.length > MAX_BODY) return reject(413, `body of ${body.length} octets exceeds ${MAX_BODY}`);
    let push: ReceivedPush;
    try {
      push = verifyPush(req, body, endpoint, sub);
    } catch (e) {
      if (e instanceof Refusal) return reject(e.status, e.message);
      throw e;
    }
    if (b && "status" in b) {
      const headers: Record<string, string> = b.retryAfterSec === undefined ? {} : { "retry-after": String(b.retryAfterSec) };
      return answer(res, endpoint, b.status, headers, JSON.stringify({ code: b.status, message: `behaviour ${b.status}` }));
    }
    answer(res, endpoint, 201, { location: `${origin}/message/${push.id}`, ttl: String(push.ttl) }, "");
    arrivals.push(push);
  }

  const server = https.createServer({ key, cert }, (req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) res.writeHead(500).end(String(e));
    });
  });
  server.on("tlsClientError", () => {}); // a client that does not trust the certificate
  const { port, stop } = await listen(server);
  origin = `https://127.0.0.1:${port}`;
  const agent = new https.Agent({ ca: cert });

  return {
    url: origin,
    ca: cert,
    agent,
    newSubscription(opts = {}) {
      const id = randomUUID().replaceAll("-", "");
      const keys = newUserAgentKeys();
      subs.set(id, { keys, vapidKey: opts.applicationServerKey });
      return { endpoint: `${origin}/push/${id}`, keys: { p256dh: keys.publicKey.toString("base64url"), auth: keys.authSecret.toString("base64url") } };
    },
    expectVapidKey: (k) => void (pinned = k),
    setBehaviour: (endpoint, b) => behaviours.set(endpoint, b),
    received: arrivals.items,
    rejected,
    attempts,
    waitForPushes: (n, timeoutMs = 10_000) => arrivals.wait(n, timeoutMs, () => `rejected: ${JSON.stringify(rejected.map((r) => `${r.status} ${r.reason}`))}`),
    clear() {
      arrivals.clear();
      rejected.length = 0;
      attempts.length = 0;
      behaviours.clear();
    },
    async stop() {
      agent.destroy();
      await stop();
    },
  };
}
