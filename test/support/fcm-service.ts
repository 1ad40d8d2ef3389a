// A local FCM HTTP v1 that checks what it receives as Google does: a service account whose
// private key it generated, the OAuth2 JWT bearer grant at `token_uri` (RS256 assertion), and
// `POST /v1/projects/{project}/messages:send` with one of the access tokens it issued and a
// message FCM would take (unknown fields, non-string data values, reserved data keys, a
// malformed ttl are refused with FCM's 400 INVALID_ARGUMENT). Plain HTTP on 127.0.0.1.
import { generateKeyPairSync, randomBytes } from "node:crypto";
import http from "node:http";
import { Arrivals, Behaviours, listen, parseJwt, readBody, Refusal, verifyRs256 } from "./push-crypto.ts";

export type FcmBehaviour = ({ status: number; fcmError?: string; retryAfterSec?: number } | { hang: true } | { down: true }) & { times?: number };

export interface FcmServiceAccount {
  type: "service_account";
  project_id: string;
  private_key_id: string;
  private_key: string;
  client_email: string;
  client_id: string;
  auth_uri: string;
  token_uri: string;
}
export interface ReceivedFcmMessage {
  /** projects/<id>/messages/<n>, as answered */
  name: string;
  token: string;
  message: Record<string, any>;
  receivedAt: number;
}
export interface RejectedFcmRequest {
  path: string;
  token: string | undefined;
  status: number;
  reason: string;
  receivedAt: number;
}
export interface FcmService {
  serviceAccount: FcmServiceAccount;
  /** http://127.0.0.1:<port>; messages go to `${apiUrl}/v1/projects/${project_id}/messages:send` */
  apiUrl: string;
  setBehaviour(token: string | "*", b: FcmBehaviour | null): void;
  received: ReceivedFcmMessage[];
  rejected: RejectedFcmRequest[];
  /** POSTs to /token, answered or not: a sender should cache its access token. */
  readonly tokenRequests: number;
  /** Forget every access token issued: the next send answers 401 UNAUTHENTICATED. */
  revokeTokens(): void;
  waitForMessages(n: number, timeoutMs?: number): Promise<ReceivedFcmMessage[]>;
  clear(): void;
  stop(): Promise<void>;
}

export const FCM_SCOPE = "https://www.googleapis.com/auth/firebase.messaging";
const STATUS_NAMES: Record<number, string> = { 400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED", 404: "NOT_FOUND", 429: "RESOURCE_EXHAUSTED", 500: "INTERNAL", 503: "UNAVAILABLE" };
const DEFAULTS: Record<number, [string, string]> = {
  400: ["INVALID_ARGUMENT", "Request contains an invalid argument."],
  403: ["SENDER_ID_MISMATCH", "SenderId mismatch"],
  404: ["UNREGISTERED", "Requested entity was not found."],
  429: ["QUOTA_EXCEEDED", "Quota exceeded for quota metric 'Send requests' and limit 'Send requests per minute'."],
  500: ["INTERNAL", "Internal error encountered."],
  503: ["UNAVAILABLE", "The service is currently unavailable."],
};

/** Google's error body; `fcmError` adds the FcmError detail, `field` a BadRequest violation. */
export function googleError(code: number, message: string, fcmError?: string, field?: string) {
  const details: object[] = [];
  if (fcmError) details.push({ "@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError", errorCode: fcmError });
  if (field) details.push({ "@type": "type.googleapis.com/google.rpc.BadRequest", fieldViolations: [{ field, description: message }] });
  return { error: { code, message, status: STATUS_NAMES[code] ?? "UNKNOWN", ...(details.length ? { details } : {}) } };
}

// ---- the message schema, as FCM's proto JSON parser sees it (snake_case or lowerCamelCase) ----

class Invalid extends Refusal {
  readonly field: string;
  constructor(field: string, message: string) {
    super(400, message);
    this.field = field;
  }
}
type Check = (v: unknown, path: string) => void;
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const typed = (test: (v: unknown) => boolean, type: string): Check => (v, path) => {
  if (!test(v)) throw new Invalid(path, `Invalid value at '${path}' (${type}), ${JSON.stringify(v)}`);
};
const str = typed((v) => typeof v === "string", "TYPE_STRING");
const bool = typed((v) => typeof v === "boolean", "TYPE_BOOL");
const anyObj = typed(isObj, "type.googleapis.com/google.protobuf.Struct");
const duration = typed((v) => typeof v === "string" && /^\d+(\.\d{1,9})?s$/.test(v), "type.googleapis.com/google.protobuf.Duration");
const priority = typed((v) => typeof v === "string" && /^(normal|high)$/i.test(v), "type.googleapis.com/google.firebase.fcm.v1.AndroidMessagePriority");
const stringMap: Check = (v, path) => {
  anyObj(v, path);
  Object.values(v as object).forEach((x, i) => {
    if (typeof x !== "string") throw new Invalid(`${path}[${i}].value`, `Invalid value at '${path}[${i}].value' (TYPE_STRING), ${JSON.stringify(x)}`);
  });
};
const obj = (fields: Record<string, Check>): Check => (v, path) => {
  typed(isObj, "TYPE_MESSAGE")(v, path);
  for (const [key, value] of Object.entries(v as object)) {
    const name = key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
    const check = fields[name];
    if (!check) throw new Invalid(path, `Invalid JSON payload received. Unknown name "${key}" at '${path}': Cannot find field.`);
    check(value, path ? `${path}.${name}` : name);
  }
};
const apnsPayload: Check = (v, path) => {
  anyObj(v, path);
  const aps = (v as Record<string, unknown>).aps;
  if (aps === undefined) return;
  anyObj(aps, `${path}.aps`);
  const badge = (aps as Record<string, unknown>).badge;
  if (badge !== undefined && !Number.isInteger(badge)) throw new Invalid(`${path}.aps.badge`, `Invalid value at '${path}.aps.badge': badge must be an integer`);
};
const apnsHeaders: Check = (v, path) => {
  stringMap(v, path);
  const h = v as Record<string, string>;
  if (h["apns-priority"] !== undefined && !/^(1|5|10)$/.test(h["apns-priority"])) throw new Invalid(path, `Invalid APNs priority ${h["apns-priority"]}`);
  if (h["apns-expiration"] !== undefined && !/^\d+$/.test(h["apns-expiration"])) throw new Invalid(path, `Invalid APNs expiration ${h["apns-expiration"]}`);
};
const checkMessage = obj({
  name: str, token: str, topic: str, condition: str, data: stringMap,
  notification: obj({ title: str, body: str, image: str }),
  android: obj({ collapse_key: str, priority, ttl: duration, restricted_package_name: str, data: stringMap, notification: anyObj, fcm_options: anyObj, direct_boot_ok: bool }),
  apns: obj({ headers: apnsHeaders, payload: apnsPayload, fcm_options: anyObj, live_activity_token: str }),
  webpush: obj({ headers: stringMap, data: stringMap, notification: anyObj, fcm_options: obj({ link: str, analytics_label: str }) }),
  fcm_options: obj({ analytics_label: str }),
});
const tokenOf = (body: Buffer): string | undefined => {
  try {
    const t: unknown = JSON.parse(body.toString("utf8"))?.message?.token;
    return typeof t === "string" ? t : undefined;
  } catch {
    return undefined;
  }
};
const RESERVED_DATA_KEY = /^(from|notification|message_type|google\..*|gcm\..*)$/;

export async function startFcmService(): Promise<FcmService> {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const projectId = `test-project-${randomBytes(3).toString("hex")}`;
  const tokens = new Map<string, number>(); // access token -> expiry (ms)
  const behaviours = new Behaviours<FcmBehaviour>();
  const arrivals = new Arrivals<ReceivedFcmMessage>();
  const rejected: RejectedFcmRequest[] = [];
  let tokenRequests = 0;
  let sent = 0;
  let tokenUri = "";

  const json = (res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) =>
    res.writeHead(status, { "content-type": "application/json; charset=UTF-8", ...headers }).end(JSON.stringify(body));

  function grant(form: URLSearchParams): { access_token: string; expires_in: number; token_type: string } {
    // Google's OAuth2 errors: 400 {error, error_description}; the reason is "<error>: <description>".
    const bad = (error: string, description: string) => new Refusal(400, `${error}: ${description}`);
    if (form.get("grant_type") !== "urn:ietf:params:oauth:grant-type:jwt-bearer") throw bad("unsupported_grant_type", `Invalid grant_type: ${form.get("grant_type")}`);
    let jwt;
    try {
      jwt = parseJwt(form.get("assertion") ?? "", 400);
    } catch (e) {
      throw bad("invalid_grant", `Invalid JWT: ${(e as Error).message}`);
    }
    if (jwt.header.alg !== "RS256") throw bad("invalid_grant", `Invalid JWT: alg ${JSON.stringify(jwt.header.alg)}, want RS256`);
    if (jwt.header.kid !== undefined && jwt.header.kid !== account.private_key_id) throw bad("invalid_grant", "Invalid JWT Signature.");
    if (!verifyRs256(jwt, publicKey)) throw bad("invalid_grant", "Invalid JWT Signature.");
    const { iss, aud, scope, iat, exp } = jwt.claims;
    if (iss !== account.client_email) throw bad("invalid_grant", "Invalid grant: account not found");
    if (aud !== tokenUri) throw bad("invalid_grant", `Invalid JWT: Failed audience check. aud ${JSON.stringify(aud)}, want ${tokenUri}`);
    const now = Date.now() / 1000;
    if (typeof iat !== "number" || typeof exp !== "number" || iat > now + 60 || exp <= now || exp - iat > 3600)
      throw bad("invalid_grant", "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.");
    if (typeof scope !== "string" || !scope.split(" ").includes(FCM_SCOPE)) throw bad("invalid_scope", `Invalid OAuth scope or ID token audience provided: ${JSON.stringify(scope)}`);
    const access_token = `ya29.${randomBytes(24).toString("base64url")}`;
    tokens.set(access_token, Date.now() + 3_600_000);
    return { access_token, expires_in: 3600, token_type: "Bearer" };
  }

  function checkSend(req: http.IncomingMessage, body: Buffer, path: string): Record<string, any> {
    if (path !== `/v1/projects/${projectId}/messages:send`) throw new Refusal(403, "Permission 'cloudmessaging.messages.create' denied on resource (or it may not exist).");
    const bearer = /^Bearer (\S+)$/.exec(req.headers.authorization ?? "")?.[1];
    const expiry = bearer === undefined ? undefined : tokens.get(bearer);
    if (expiry === undefined || expiry < Date.now())
      throw new Refusal(401, "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.");
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString("utf8"));
    } catch {
      throw new Invalid("", "Invalid JSON payload received. Unexpected token.");
    }
    obj({ message: checkMessage, validate_only: bool })(parsed, "");
    const message = (parsed as { message?: Record<string, any> }).message;
    if (!message || message.token === undefined) throw new Invalid("message", "Recipient of the message is not set.");
    if (message.token === "") throw new Invalid("message.token", "The registration token is not a valid FCM registration token");
    let size = 0;
    for (const [k, v] of Object.entries((message.data ?? {}) as Record<string, string>)) {
      if (RESERVED_DATA_KEY.test(k)) throw new Invalid("message.data", `Invalid data payload key: ${k}`);
      size += Buffer.byteLength(k) + Buffer.byteLength(v);
    }
    if (size > 4096) throw new Invalid("message.data", "Android message is too big");
    return message;
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse) {
    const path = (req.url ?? "/").split("?")[0]!;
    const body = req.method === "POST" ? await readBody(req) : Buffer.alloc(0);
    if (req.method === "POST" && path === "/token") {
      tokenRequests++;
      try {
        return json(res, 200, grant(new URLSearchParams(body.toString("utf8"))));
      } catch (e) {
        if (!(e instanceof Refusal)) throw e;
        rejected.push({ path, token: undefined, status: e.status, reason: e.message, receivedAt: Date.now() });
        const [error, ...description] = e.message.split(": ");
        return json(res, e.status, { error, error_description: description.join(": ") });
      }
    }
    let message: Record<string, any>;
    try {
      if (req.method !== "POST") throw new Refusal(404, `no route ${req.method} ${path}`);
      message = checkSend(req, body, path);
    } catch (e) {
      if (!(e instanceof Refusal)) throw e;
      rejected.push({ path, token: tokenOf(body), status: e.status, reason: e.message, receivedAt: Date.now() });
      return json(res, e.status, googleError(e.status, e.message, undefined, e instanceof Invalid && e.field ? e.field : undefined));
    }
    const token = message.token as string;
    const b = behaviours.take(token);
    if (b && "down" in b) return req.socket.destroy();
    if (b && "hang" in b) return;
    if (b) {
      const [fcmError, text] = DEFAULTS[b.status] ?? ["INTERNAL", `behaviour ${b.status}`];
      return json(res, b.status, googleError(b.status, text, b.fcmError ?? fcmError), b.retryAfterSec === undefined ? {} : { "retry-after": String(b.retryAfterSec) });
    }
    const name = `projects/${projectId}/messages/${++sent}`;
    json(res, 200, { name });
    arrivals.push({ name, token, message, receivedAt: Date.now() });
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) res.writeHead(500).end(String(e));
    });
  });
  const { port, stop } = await listen(server);
  const apiUrl = `http://127.0.0.1:${port}`;
  tokenUri = `${apiUrl}/token`;
  const account: FcmServiceAccount = {
    type: "service_account",
    project_id: projectId,
    private_key_id: randomBytes(20).toString("hex"),
    private_key: privateKey.export({ type: "pkcs8", format: "pem" }) as string,
    client_email: `firebase-adminsdk-test@${projectId}.iam.gserviceaccount.com`,
    client_id: String(100000000000000000000n + BigInt(randomBytes(6).readUIntBE(0, 6))),
    auth_uri: "https://accounts.google.com/o/oauth2/auth",
    token_uri: tokenUri,
  };

  return {
    serviceAccount: account,
    apiUrl,
    setBehaviour: (token, b) => behaviours.set(token, b),
    received: arrivals.items,
    rejected,
    get tokenRequests() {
      return tokenRequests;
    },
    revokeTokens: () => tokens.clear(),
    waitForMessages: (n, timeoutMs = 10_000) => arrivals.wait(n, timeoutMs, () => `rejected: ${JSON.stringify(rejected.map((r) => `${r.status} ${r.reason}`))}`),
    clear() {
      arrivals.clear();
      rejected.length = 0;
      behaviours.clear();
      tokenRequests = 0;
    },
    stop,
  };
}
