// Configuration: zod over process.env, parsed once at start. Every bad variable is
// reported together so an operator fixes them in one go rather than one per restart.
import { isIP } from "node:net";
import { z } from "zod";

const bool = z
  .enum(["true", "false", "1", "0", "yes", "no"])
  .transform((v) => v === "true" || v === "1" || v === "yes");
const int = (def: number, min = 0) => z.coerce.number().int().min(min).default(def);
const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === "" ? undefined : v.trim()));
const optionalPort = z.preprocess((v) => (typeof v === "string" && v.trim() === "" ? undefined : v), z.coerce.number().int().min(1).max(65535).optional());

// Express "trust proxy": `false` (no proxy: the socket's address is the client's), a hop
// count, `true`, or a comma-separated list of proxy addresses, subnets and the names
// loopback, linklocal, uniquelocal. Only a trusted proxy may set X-Forwarded-For.
const PROXY_NAMES = new Set(["loopback", "linklocal", "uniquelocal"]);
const trustProxy = z
  .string()
  .default("false")
  .transform((v) => v.trim())
  .refine((v) => ["", "false", "true"].includes(v) || /^\d+$/.test(v) || v.split(",").every((p) => PROXY_NAMES.has(p.trim()) || isIP(p.trim().split("/")[0] ?? "") !== 0), {
    message: "must be false, true, a hop count, or a comma-separated list of addresses, subnets, loopback, linklocal, uniquelocal",
  })
  .transform((v): boolean | number | string => (v === "" || v === "false" ? false : v === "true" ? true : /^\d+$/.test(v) ? Number(v) : v));

/** What bcrypt (and the Admin UI's bcryptjs) reads: version, cost, then salt and hash. */
const BCRYPT_HASH = /^\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}$/;

const EnvSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  HOST: z.string().min(1).default("0.0.0.0"),
  PORT: int(3000),
  LISTEN_BACKLOG: int(4096),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  TRUST_PROXY: trustProxy,
  CORS_ORIGIN: z.string().default("*"),

  DATA_DIR: z.string().default("./data"),
  MONGODB_URI: optionalString,
  SQLITE_FILE: optionalString,
  SQLITE_SYNCHRONOUS: z.enum(["NORMAL", "FULL"]).default("NORMAL"),
  DB_OPERATION_TIMEOUT_MS: int(5000, 100),
  REDIS_URL: optionalString,
  SOCKET_ADAPTER: z.enum(["streams", "pubsub"]).default("streams"),

  JWT_ACCESS_SECRET: optionalString,
  JWT_REFRESH_SECRET: optionalString,
  JWT_ISSUER: z.string().min(1).default("chat-server"),
  JWT_AUDIENCE: z.string().min(1).default("chat-clients"),
  ACCESS_TOKEN_TTL_SEC: int(30 * 60, 1),
  REFRESH_TOKEN_TTL_SEC: int(7 * 24 * 3600, 1),
  BCRYPT_ROUNDS: int(12, 4),

  BODY_LIMIT_BYTES: int(100 * 1024, 1024),
  SOCKET_MAX_PAYLOAD_BYTES: int(64 * 1024, 1024),
  LOGIN_MAX_PER_PHONE: int(5, 1),
  LOGIN_MAX_PER_IP: int(30, 1),
  LOGIN_WINDOW_SEC: int(15 * 60, 1),
  LOGIN_DELAY_BASE_MS: int(500, 0),
  LOGIN_DELAY_MAX_MS: int(5000, 0),
  REGISTER_MAX_PER_HOUR: int(20, 1),
  LOOKUP_MAX_PER_MIN: int(30, 1),
  UPLOAD_MAX_PER_MIN: int(30, 1),
  // Reports (POST /api/reports) per reporter per hour: each may reach a group's managers live.
  REPORT_MAX_PER_HOUR: int(20, 1),
  LOOKUP_MAX_PER_MIN_PER_IP: int(60, 1),
  SOCKET_EVENTS_PER_SEC: int(50, 1),
  SOCKET_EVENT_BURST: int(100, 1),

  TYPING_TIMEOUT_MS: int(6000, 100),
  HISTORY_MAX_PAGE: int(200, 1),
  LATEST_WINDOW_SIZE: int(100, 1),

  CSR_MAX_DISCONNECTION_MS: int(2 * 60 * 1000, 0),
  STREAM_MAX_LEN: int(100_000, 100),
  EVENT_RETENTION_SEC: int(7 * 24 * 3600, 60),
  SOCKET_MAX_BUFFERED_PACKETS: int(1000, 10),
  SOCKET_MAX_BUFFERED_BYTES: int(8 * 1024 * 1024, 1024),
  SHUTDOWN_TIMEOUT_MS: int(10_000, 0),

  UPLOAD_DIR: optionalString,
  UPLOAD_MAX_IMAGE_BYTES: int(10 * 1024 * 1024, 1),
  UPLOAD_MAX_IMAGE_PIXELS: int(24_000_000, 1),
  UPLOAD_IMAGE_CONCURRENCY: int(2, 1),
  UPLOAD_MAX_VIDEO_BYTES: int(50 * 1024 * 1024, 1),
  UPLOAD_MAX_AUDIO_BYTES: int(20 * 1024 * 1024, 1),
  UPLOAD_MAX_DOCUMENT_BYTES: int(20 * 1024 * 1024, 1),
  CLOUDINARY_URL: optionalString,
  CLOUDINARY_CLOUD_NAME: optionalString,
  CLOUDINARY_API_KEY: optionalString,
  CLOUDINARY_API_SECRET: optionalString,
  CLOUDINARY_UPLOAD_PREFIX: optionalString,

  METRICS_ENABLED: bool.default(true),
  METRICS_TOKEN: optionalString,
  METRICS_PORT: optionalPort,
  SEED_STICKERS: bool.default(true),
  // The security audit log (src/audit): events older than this are pruned (hourly).
  AUDIT_RETENTION_DAYS: int(180, 1),
  // Account deletion (src/account): messages tombstoned per page (one transaction each, progress
  // recorded after each). Unset: 500 on SQLite, 100 on MongoDB.
  ACCOUNT_DELETION_PAGE_SIZE: z.preprocess((v) => (typeof v === "string" && v.trim() === "" ? undefined : v), z.coerce.number().int().min(1).max(10_000).optional()),

  // Push notifications (src/push, docs/PUSH.md).
  PUSH_SENDER: z.enum(["auto", "log", "off"]).default("auto"),
  PUSH_INCLUDE_PREVIEW: bool.default(true),
  PUSH_ALLOW_PRIVATE_ENDPOINTS: bool.default(false),
  PUSH_CA_FILE: optionalString,
  VAPID_PUBLIC_KEY: optionalString,
  VAPID_PRIVATE_KEY: optionalString,
  VAPID_SUBJECT: z.string().regex(/^(mailto:.+|https:\/\/.+)$/, "must be a mailto: or https: URL").default("mailto:push@example.com"),
  FCM_SERVICE_ACCOUNT_FILE: optionalString,
  FCM_SERVICE_ACCOUNT_JSON: optionalString,
  FCM_API_URL: z
    .string()
    .regex(/^https?:\/\/[^\s/]+\/?$/, "must be an http(s) origin without a path, e.g. https://fcm.googleapis.com")
    .default("https://fcm.googleapis.com")
    .transform((v) => v.replace(/\/$/, "")),
  PUSH_TTL_SEC: z.coerce.number().int().min(0).max(28 * 24 * 3600, "must be at most 2419200 (28 days: what push services keep)").default(24 * 3600),
  PUSH_REQUEST_TIMEOUT_MS: int(10_000, 100),
  PUSH_MAX_ATTEMPTS: int(5, 1),
  PUSH_RETRY_BASE_MS: int(1000, 1),
  PUSH_RETRY_MAX_MS: int(5 * 60_000, 1),
  PUSH_CONCURRENCY: int(16, 1),
  PUSH_QUEUE_MAX_JOBS: int(10_000, 10),
  PUSH_CLAIM_IDLE_MS: int(60_000, 1000),
  PUSH_SHUTDOWN_GRACE_MS: int(5000, 0),
  PUSH_MAX_SUBSCRIPTIONS_PER_USER: int(20, 1),

  // Moderation (issue 15): the operators, by user id, who resolve every report and suspend accounts.
  ADMIN_USER_IDS: z
    .string()
    .default("")
    .transform((v) => v.split(",").map((id) => id.trim().toLowerCase()).filter(Boolean))
    .refine((ids) => ids.every((id) => /^[0-9a-f]{24}$/.test(id)), { message: "must be a comma-separated list of user ids (24 hex digits each)" }),

  // The Socket.IO Admin UI (src/infra/admin-ui.ts): off unless both the username and the hash are set.
  ADMIN_UI_USERNAME: optionalString,
  ADMIN_UI_PASSWORD_HASH: optionalString.refine((v) => v === undefined || BCRYPT_HASH.test(v), {
    message: "must be a bcrypt hash: $2b$ (or $2a$, $2y$), the cost, $, then 53 characters (.env.example says how to make one)",
  }),
  ADMIN_UI_MODE: z.enum(["production", "development"]).default("production"),
  ADMIN_UI_READONLY: bool.default(false),
  ADMIN_UI_SERVER_ID: optionalString,
});

export type Env = z.infer<typeof EnvSchema>;

export function parseConfig(env: NodeJS.ProcessEnv = process.env) {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join("\n")}`);
  }
  const e = parsed.data;
  const problems: string[] = [];
  if (e.NODE_ENV === "production") {
    for (const key of ["JWT_ACCESS_SECRET", "JWT_REFRESH_SECRET"] as const) {
      const value = e[key];
      if (!value || value.length < 32) problems.push(`  ${key}: must be set to at least 32 characters in production`);
    }
  }
  if (e.JWT_ACCESS_SECRET && e.JWT_ACCESS_SECRET === e.JWT_REFRESH_SECRET) {
    problems.push("  JWT_REFRESH_SECRET: must differ from JWT_ACCESS_SECRET");
  }
  if (Boolean(e.VAPID_PUBLIC_KEY) !== Boolean(e.VAPID_PRIVATE_KEY)) problems.push("  VAPID_PRIVATE_KEY: VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY are set together (or neither: generated once into DATA_DIR)");
  if (e.VAPID_PUBLIC_KEY && !/^[A-Za-z0-9_-]{87}$/.test(e.VAPID_PUBLIC_KEY)) problems.push("  VAPID_PUBLIC_KEY: must be an uncompressed P-256 public key, 87 base64url characters (npx web-push generate-vapid-keys)");
  if (e.VAPID_PRIVATE_KEY && !/^[A-Za-z0-9_-]{43}$/.test(e.VAPID_PRIVATE_KEY)) problems.push("  VAPID_PRIVATE_KEY: must be a P-256 private key, 43 base64url characters (npx web-push generate-vapid-keys)");
  if (e.FCM_SERVICE_ACCOUNT_FILE && e.FCM_SERVICE_ACCOUNT_JSON) problems.push("  FCM_SERVICE_ACCOUNT_JSON: set FCM_SERVICE_ACCOUNT_FILE or FCM_SERVICE_ACCOUNT_JSON, not both");
  if (e.NODE_ENV === "production" && e.PUSH_ALLOW_PRIVATE_ENDPOINTS) problems.push("  PUSH_ALLOW_PRIVATE_ENDPOINTS: is for tests only; it must not be set in production");
  if (Boolean(e.ADMIN_UI_USERNAME) !== Boolean(e.ADMIN_UI_PASSWORD_HASH)) problems.push("  ADMIN_UI_PASSWORD_HASH: ADMIN_UI_USERNAME and ADMIN_UI_PASSWORD_HASH are set together (both: the Admin UI is on; neither: off)");
  if (problems.length) throw new ConfigError(`Invalid configuration:\n${problems.join("\n")}`);

  return {
    env: e.NODE_ENV,
    http: {
      host: e.HOST,
      port: e.PORT,
      listenBacklog: e.LISTEN_BACKLOG,
      trustProxy: e.TRUST_PROXY,
      corsOrigin: e.CORS_ORIGIN === "*" ? "*" : e.CORS_ORIGIN.split(",").map((s) => s.trim()),
      bodyLimitBytes: e.BODY_LIMIT_BYTES,
    },
    log: { level: e.LOG_LEVEL },
    dataDir: e.DATA_DIR,
    db: { uri: e.MONGODB_URI, sqliteFile: e.SQLITE_FILE, sqliteSynchronous: e.SQLITE_SYNCHRONOUS, operationTimeoutMs: e.DB_OPERATION_TIMEOUT_MS },
    redis: { url: e.REDIS_URL, adapter: e.SOCKET_ADAPTER },
    auth: {
      accessSecret: e.JWT_ACCESS_SECRET,
      refreshSecret: e.JWT_REFRESH_SECRET,
      issuer: e.JWT_ISSUER,
      audience: e.JWT_AUDIENCE,
      accessTtlSec: e.ACCESS_TOKEN_TTL_SEC,
      refreshTtlSec: e.REFRESH_TOKEN_TTL_SEC,
      bcryptRounds: e.BCRYPT_ROUNDS,
    },
    limits: {
      socketMaxPayloadBytes: e.SOCKET_MAX_PAYLOAD_BYTES,
      loginMaxPerPhone: e.LOGIN_MAX_PER_PHONE,
      loginMaxPerIp: e.LOGIN_MAX_PER_IP,
      loginWindowSec: e.LOGIN_WINDOW_SEC,
      loginDelayBaseMs: e.LOGIN_DELAY_BASE_MS,
      loginDelayMaxMs: e.LOGIN_DELAY_MAX_MS,
      registerMaxPerHour: e.REGISTER_MAX_PER_HOUR,
      lookupMaxPerMin: e.LOOKUP_MAX_PER_MIN,
      uploadMaxPerMin: e.UPLOAD_MAX_PER_MIN,
      reportMaxPerHour: e.REPORT_MAX_PER_HOUR,
      lookupMaxPerMinPerIp: e.LOOKUP_MAX_PER_MIN_PER_IP,
      socketEventsPerSec: e.SOCKET_EVENTS_PER_SEC,
      socketEventBurst: e.SOCKET_EVENT_BURST,
      historyMaxPage: e.HISTORY_MAX_PAGE,
    },
    messaging: { typingTimeoutMs: e.TYPING_TIMEOUT_MS, latestWindowSize: e.LATEST_WINDOW_SIZE },
    delivery: {
      maxDisconnectionMs: e.CSR_MAX_DISCONNECTION_MS,
      streamMaxLen: e.STREAM_MAX_LEN,
      eventRetentionSec: e.EVENT_RETENTION_SEC,
      maxBufferedPackets: e.SOCKET_MAX_BUFFERED_PACKETS,
      maxBufferedBytes: e.SOCKET_MAX_BUFFERED_BYTES,
      shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    },
    uploads: {
      dir: e.UPLOAD_DIR,
      maxImagePixels: e.UPLOAD_MAX_IMAGE_PIXELS,
      imageConcurrency: e.UPLOAD_IMAGE_CONCURRENCY,
      maxBytes: {
        image: e.UPLOAD_MAX_IMAGE_BYTES,
        video: e.UPLOAD_MAX_VIDEO_BYTES,
        audio: e.UPLOAD_MAX_AUDIO_BYTES,
        document: e.UPLOAD_MAX_DOCUMENT_BYTES,
      },
      cloudinary: {
        url: e.CLOUDINARY_URL,
        cloudName: e.CLOUDINARY_CLOUD_NAME,
        apiKey: e.CLOUDINARY_API_KEY,
        apiSecret: e.CLOUDINARY_API_SECRET,
        uploadPrefix: e.CLOUDINARY_UPLOAD_PREFIX,
      },
    },
    metricsEnabled: e.METRICS_ENABLED,
    /** When set, /metrics answers only `Authorization: Bearer <token>`. */
    metricsToken: e.METRICS_TOKEN,
    /** When set, /metrics is served on its own listener on HOST:port instead of the main port. */
    metricsPort: e.METRICS_PORT,
    seedStickers: e.SEED_STICKERS,
    audit: { retentionDays: e.AUDIT_RETENTION_DAYS },
    /** ACCOUNT_DELETION_PAGE_SIZE; undefined: the storage's default (services.ts). */
    accountDeletion: { pageSize: e.ACCOUNT_DELETION_PAGE_SIZE },
    push: {
      /** auto: Web Push always, FCM when a service account is set (else logged); log: every push only logged; off: none queued. */
      sender: e.PUSH_SENDER,
      includePreview: e.PUSH_INCLUDE_PREVIEW,
      /** Test-only: endpoints on private/loopback addresses, and http: on loopback. */
      allowPrivateEndpoints: e.PUSH_ALLOW_PRIVATE_ENDPOINTS,
      caFile: e.PUSH_CA_FILE,
      vapid: { publicKey: e.VAPID_PUBLIC_KEY, privateKey: e.VAPID_PRIVATE_KEY, subject: e.VAPID_SUBJECT },
      fcm: { serviceAccountFile: e.FCM_SERVICE_ACCOUNT_FILE, serviceAccountJson: e.FCM_SERVICE_ACCOUNT_JSON, apiUrl: e.FCM_API_URL },
      ttlSec: e.PUSH_TTL_SEC,
      requestTimeoutMs: e.PUSH_REQUEST_TIMEOUT_MS,
      maxAttempts: e.PUSH_MAX_ATTEMPTS,
      retryBaseMs: e.PUSH_RETRY_BASE_MS,
      retryMaxMs: e.PUSH_RETRY_MAX_MS,
      concurrency: e.PUSH_CONCURRENCY,
      queueMaxJobs: e.PUSH_QUEUE_MAX_JOBS,
      claimIdleMs: e.PUSH_CLAIM_IDLE_MS,
      shutdownGraceMs: e.PUSH_SHUTDOWN_GRACE_MS,
      maxSubscriptionsPerUser: e.PUSH_MAX_SUBSCRIPTIONS_PER_USER,
    },
    moderation: {
      /** ADMIN_USER_IDS: who lists and resolves every report (/api/admin) and suspends accounts. */
      operatorIds: new Set<string>(e.ADMIN_USER_IDS) as ReadonlySet<string>,
    },
    /** The Socket.IO Admin UI (namespace /admin, page /admin/socket.io/); undefined: off. */
    adminUi:
      e.ADMIN_UI_USERNAME && e.ADMIN_UI_PASSWORD_HASH
        ? { username: e.ADMIN_UI_USERNAME, passwordHash: e.ADMIN_UI_PASSWORD_HASH, mode: e.ADMIN_UI_MODE, readonly: e.ADMIN_UI_READONLY, serverId: e.ADMIN_UI_SERVER_ID }
        : undefined,
  };
}

export type Config = ReturnType<typeof parseConfig>;

export class ConfigError extends Error {
  override name = "ConfigError";
}
