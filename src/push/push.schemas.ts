// What a client sends to register a device for pushes, and what it gets back. Each rule is
// its pattern alone, so the OpenAPI document states the whole rule (a generator that follows
// the document neither sends what the server refuses nor is surprised by what it takes).
import { SentTimestamp, z } from "../shared/zod.ts";

/**
 * A Web Push endpoint as real push services hand them out: https, a DNS name (no IP literal,
 * no single-label name such as localhost), no port but 443, no credentials (the host is
 * followed by a port or a path, never by `@`), RFC 3986 characters. Private addresses behind
 * a name are refused when sending (endpoint-guard.ts), where the name is resolved.
 */
// eslint-disable-next-line no-useless-escape -- `[` escaped in a class: Rust's engine (the validator's) reads a bare one as a nested class
const PUBLIC_ENDPOINT = /^https:\/\/(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}(?::443)?\/[A-Za-z0-9._~:/?#\[\]@!$&'()*+,;=%-]*$/;
/** PUSH_ALLOW_PRIVATE_ENDPOINTS (tests only): also IP literals, localhost, any port, http: (loopback is checked when sending). */
// eslint-disable-next-line no-useless-escape -- as above
const ANY_ENDPOINT = /^https?:\/\/(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?\/[A-Za-z0-9._~:/?#\[\]@!$&'()*+,;=%-]*$/;
export const MAX_ENDPOINT_LENGTH = 2048;

/** A P-256 public key, uncompressed (65 bytes, first byte 0x04: base64url "B…"), unpadded base64url. */
const P256DH = /^B[A-Za-z0-9_-]{86}$/;
/** The 16-byte auth secret, unpadded base64url. */
const AUTH_SECRET = /^[A-Za-z0-9_-]{22}$/;
/** An FCM registration token (APNs-backed and web ones included): these characters, 32 to 4096 of them. */
const FCM_TOKEN = /^[A-Za-z0-9_:.-]{32,4096}$/;

function webPushBody(allowPrivate: boolean) {
  return z
    .strictObject({
      type: z.literal("webpush"),
      endpoint: z
        .string()
        .max(MAX_ENDPOINT_LENGTH)
        .regex(allowPrivate ? ANY_ENDPOINT : PUBLIC_ENDPOINT, "must be an https URL on a DNS name (no IP address, no port but 443, no credentials), as PushSubscription.endpoint gives it")
        .openapi({ description: "PushSubscription.endpoint", pattern: PUBLIC_ENDPOINT.source }),
      keys: z.strictObject({
        p256dh: z.string().regex(P256DH, "must be the subscription's P-256 public key: 87 base64url characters starting with B"),
        auth: z.string().regex(AUTH_SECRET, "must be the subscription's 16-byte auth secret: 22 base64url characters"),
      }),
      /** PushSubscription.toJSON() includes it; taken and ignored (a push service that expires a subscription answers 404/410). */
      expirationTime: z.number().nullable().optional().openapi({ description: "As PushSubscription.toJSON() gives it; ignored" }),
    })
    .openapi({ title: "WebPushSubscription", description: "A browser's PushSubscription (toJSON()) with type webpush" });
}

const FcmBody = z
  .strictObject({
    type: z.literal("fcm"),
    token: z.string().regex(FCM_TOKEN, "must be an FCM registration token (32-4096 of A-Z a-z 0-9 _ : . -)"),
    platform: z.enum(["android", "ios", "web"]),
  })
  .openapi({ title: "FcmSubscription", description: "A Firebase Cloud Messaging registration token" });

/** The body of POST /api/push/subscriptions; `allowPrivate` is PUSH_ALLOW_PRIVATE_ENDPOINTS. */
export function subscriptionBody(allowPrivate: boolean) {
  return z.discriminatedUnion("type", [webPushBody(allowPrivate), FcmBody]).openapi("PushSubscriptionBody");
}
export type SubscriptionBody = z.output<ReturnType<typeof subscriptionBody>>;

export const PushSubscriptionSchema = z
  .strictObject({
    id: z.string(),
    type: z.enum(["webpush", "fcm"]),
    endpoint: z.string().optional().openapi({ description: "Web Push only" }),
    token: z.string().optional().openapi({ description: "FCM only" }),
    platform: z.enum(["android", "ios", "web"]).nullable().openapi({ description: "FCM only; null for Web Push" }),
    created_at: SentTimestamp,
    current_session: z.boolean().openapi({ description: "Registered by the login this request's token belongs to (logging it out removes the subscription)" }),
  })
  .openapi("PushSubscription");
export type PushSubscriptionDto = z.output<typeof PushSubscriptionSchema>;

export const PushSubscriptionList = z.strictObject({ subscriptions: z.array(PushSubscriptionSchema) }).openapi("PushSubscriptionList");

export const VapidPublicKey = z
  .strictObject({ public_key: z.string().openapi({ description: "The VAPID public key (base64url, uncompressed P-256): PushManager.subscribe's applicationServerKey" }) })
  .openapi("VapidPublicKey");

export const SubscriptionIdParams = z.strictObject({ id: z.string().regex(/^[0-9a-f]{24}$/, "must be a 24-character hex id") });
