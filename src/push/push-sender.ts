// One interface for every way a push leaves the server (Tinode's push.Handler, narrowed to
// one send): Web Push (webpush-sender.ts), FCM HTTP v1 (fcm-sender.ts) and the development
// log (log-sender.ts). A sender never throws for what the push service answered: it
// classifies the answer, and the delivery (push-delivery.ts) acts on the class.
import type { PushSubscriptionRecord } from "./push-subscription.repository.ts";
import type { PushPayload } from "./push-payload.ts";
import { parseRetryAfter } from "./retry-policy.ts";

export type SendOutcome =
  /** The push service took it. */
  | { result: "delivered" }
  /** The subscription is dead (404/410, FCM UNREGISTERED, a forbidden endpoint): delete it. */
  | { result: "gone"; reason: string }
  /** Worth another try later (429, 5xx, timeout, network); `retryAfterMs` when the service said when. */
  | { result: "retry"; reason: string; retryAfterMs?: number }
  /** Refused for good (other 4xx): dropped and counted, the subscription kept. */
  | { result: "failed"; reason: string };

export interface PushMessage {
  payload: PushPayload;
  /** Seconds the push service may hold it for an offline device (the rest of PUSH_TTL_SEC). */
  ttlSec: number;
  urgency: "high" | "normal";
}

export interface PushSender {
  /** For metrics and logs: "webpush" | "fcm" | "log". */
  readonly name: string;
  /** `signal` aborts the request (shutdown); each sender also bounds it with its own timeout. */
  send(subscription: PushSubscriptionRecord, message: PushMessage, signal: AbortSignal): Promise<SendOutcome>;
  close?(): void;
}

/** What an HTTP status from a push service means (RFC 8030 §5-8, and FCM's statuses). */
export function classifyStatus(status: number, retryAfter: string | null | undefined, now = Date.now()): SendOutcome {
  if (status >= 200 && status < 300) return { result: "delivered" };
  if (status === 404 || status === 410) return { result: "gone", reason: `HTTP ${status}` };
  if (status === 408 || status === 425 || status === 429 || status >= 500) {
    const retryAfterMs = parseRetryAfter(retryAfter, now);
    return { result: "retry", reason: `HTTP ${status}`, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };
  }
  return { result: "failed", reason: `HTTP ${status}` };
}

/** A request that did not get an answer: timed out, refused, reset, DNS. Worth retrying. */
export function networkFailure(err: unknown): SendOutcome {
  const e = err as { name?: string; code?: string; message?: string };
  const what = e.name === "TimeoutError" ? "timeout" : (e.code ?? e.name ?? "network error");
  return { result: "retry", reason: `${what}: ${e.message ?? String(err)}`.slice(0, 200) };
}
