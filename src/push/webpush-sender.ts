// Web Push (RFC 8030) with VAPID (RFC 8292) and the aes128gcm payload encryption (RFC 8291):
// web-push builds the request, push-http.ts sends it under the SSRF guard and a deadline.
// Topic is the conversation's collapse key: a service holding several pushes of one
// conversation for an offline device keeps the newest only.
import webpush from "web-push";
import { checkEndpointUrl, ForbiddenEndpointError, type EndpointPolicy } from "./endpoint-guard.ts";
import { guardedAgents, postWithDeadline } from "./push-http.ts";
import { classifyStatus, networkFailure, type PushSender, type SendOutcome } from "./push-sender.ts";
import type { VapidKeys } from "./vapid-keys.ts";

export interface WebPushSenderDeps {
  /** Resolved once (they may come from Redis in a cluster). */
  vapid: () => Promise<VapidKeys>;
  subject: string;
  policy: EndpointPolicy;
  timeoutMs: number;
  /** Extra CA certificates (PEM) to trust for push endpoints (PUSH_CA_FILE). */
  ca?: string | undefined;
}

export function webPushSender(d: WebPushSenderDeps): PushSender {
  const agents = guardedAgents(d.policy, d.ca);
  return {
    name: "webpush",
    async send(sub, message, signal): Promise<SendOutcome> {
      let url: URL;
      try {
        url = checkEndpointUrl(sub.address, d.policy);
      } catch (err) {
        return { result: "gone", reason: `endpoint refused: ${(err as Error).message}` };
      }
      if (!sub.keys) return { result: "gone", reason: "no encryption keys" };
      const vapid = await d.vapid();
      let request;
      try {
        request = webpush.generateRequestDetails({ endpoint: sub.address, keys: sub.keys }, JSON.stringify(message.payload), {
          vapidDetails: { subject: d.subject, publicKey: vapid.publicKey, privateKey: vapid.privateKey },
          TTL: message.ttlSec,
          urgency: message.urgency,
          topic: message.payload.collapse_key,
          contentEncoding: "aes128gcm",
        });
      } catch (err) {
        // The VAPID details were checked at start: what fails here is the subscription's key
        // (not a point on P-256, wrong length), which no later attempt will fix.
        return { result: "gone", reason: `unusable subscription keys: ${(err as Error).message}` };
      }
      try {
        const res = await postWithDeadline(url, { headers: request.headers as Record<string, string | number>, body: request.body, agents, timeoutMs: d.timeoutMs, signal });
        const outcome = classifyStatus(res.status, res.headers["retry-after"]);
        return outcome.result === "delivered" ? outcome : { ...outcome, reason: `${outcome.reason} ${res.body.slice(0, 200)}`.trim() };
      } catch (err) {
        if (err instanceof ForbiddenEndpointError || (err as { code?: string }).code === "EPUSHFORBIDDEN") return { result: "gone", reason: (err as Error).message };
        return networkFailure(err);
      }
    },
    close: () => agents.close(),
  };
}

/** Throws at start on a VAPID pair or subject that web-push would refuse on every send. */
export function assertVapidUsable(keys: VapidKeys, subject: string): void {
  webpush.generateRequestDetails({ endpoint: "https://push.example.com/x", keys: { p256dh: "", auth: "" } }, null, { vapidDetails: { subject, publicKey: keys.publicKey, privateKey: keys.privateKey } });
}
