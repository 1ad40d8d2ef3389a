// FCM HTTP v1: POST {FCM_API_URL}/v1/projects/{project}/messages:send with the registration
// token, the payload as string data (FCM takes strings only: the whole payload is one JSON
// string under `payload`, the same document Web Push carries), a visible notification, and
// per platform the collapse key (android.collapse_key, apns-collapse-id) and the badge.
import { displayName, genericBody } from "./push-payload.ts";
import { FcmAuthError, type FcmTokenSource, type ServiceAccount } from "./fcm-auth.ts";
import { classifyStatus, networkFailure, type PushMessage, type PushSender, type SendOutcome } from "./push-sender.ts";
import type { PushSubscriptionRecord } from "./push-subscription.repository.ts";

export interface FcmSenderDeps {
  account: ServiceAccount;
  tokens: FcmTokenSource;
  apiUrl: string;
  timeoutMs: number;
}

/** The HTTP v1 message for one device. */
export function fcmMessage(sub: PushSubscriptionRecord, m: PushMessage, nowSec = Math.floor(Date.now() / 1000)) {
  const p = m.payload;
  const high = m.urgency === "high";
  return {
    message: {
      token: sub.address,
      data: { payload: JSON.stringify(p) },
      notification: { title: displayName(p.sender.display_name), body: p.preview ?? genericBody(p.kind) },
      android: { collapse_key: p.collapse_key, priority: high ? "high" : "normal", ttl: `${m.ttlSec}s` },
      apns: {
        headers: { "apns-collapse-id": p.collapse_key, "apns-priority": high ? "10" : "5", "apns-expiration": String(nowSec + m.ttlSec) },
        payload: { aps: { badge: p.badge, ...(p.conversation_id ? { "thread-id": p.collapse_key } : {}) } },
      },
    },
  };
}

interface GoogleError {
  error?: { status?: string; message?: string; details?: { "@type"?: string; errorCode?: string; fieldViolations?: { field?: string }[] }[] };
}

/** FCM's error, by its FcmError code where there is one (https://firebase.google.com/docs/reference/fcm/rest/v1/ErrorCode). */
export function classifyFcm(status: number, body: GoogleError, retryAfter: string | null): SendOutcome {
  const details = body.error?.details ?? [];
  const code = details.find((d) => d.errorCode)?.errorCode ?? body.error?.status ?? "";
  const reason = `HTTP ${status} ${code} ${body.error?.message ?? ""}`.trim().slice(0, 200);
  // The token is no longer valid (app uninstalled, token rotated) or belongs to another project.
  if (code === "UNREGISTERED" || code === "SENDER_ID_MISMATCH" || status === 404) return { result: "gone", reason };
  // INVALID_ARGUMENT about the token itself: that token will never work. About anything else
  // it is this server's message, and deleting every subscription for it would be wrong.
  if (status === 400 && details.some((d) => d.fieldViolations?.some((v) => v.field === "message.token"))) return { result: "gone", reason };
  const outcome = classifyStatus(status, retryAfter);
  return outcome.result === "delivered" ? outcome : { ...outcome, reason };
}

export function fcmSender(d: FcmSenderDeps): PushSender {
  const url = `${d.apiUrl}/v1/projects/${encodeURIComponent(d.account.project_id)}/messages:send`;

  async function post(token: string, body: string, signal: AbortSignal) {
    return fetch(url, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json; charset=utf-8" },
      body,
      signal: AbortSignal.any([signal, AbortSignal.timeout(d.timeoutMs)]),
    });
  }

  return {
    name: "fcm",
    async send(sub, message, signal) {
      const body = JSON.stringify(fcmMessage(sub, message));
      try {
        let token = await d.tokens.get(signal);
        let res = await post(token, body, signal);
        if (res.status === 401) {
          // The access token was revoked or expired early: one fresh grant, one more try.
          await res.body?.cancel();
          d.tokens.invalidate(token);
          token = await d.tokens.get(signal);
          res = await post(token, body, signal);
        }
        if (res.ok) {
          await res.body?.cancel();
          return { result: "delivered" };
        }
        const text = await res.text();
        let parsed: GoogleError = {};
        try {
          parsed = JSON.parse(text) as GoogleError;
        } catch {
          /* not Google's JSON: classified by status */
        }
        return classifyFcm(res.status, parsed, res.headers.get("retry-after"));
      } catch (err) {
        if (err instanceof FcmAuthError) return { result: "failed", reason: err.message };
        return networkFailure(err);
      }
    },
  };
}
