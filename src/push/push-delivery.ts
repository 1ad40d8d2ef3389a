// One device's push: the job from the fan-out → the sender for its type → what the answer
// means. Delivered: counted. Gone: the subscription is deleted. Refused for good: counted and
// dropped. Worth retrying: again after the backoff (or Retry-After), up to PUSH_MAX_ATTEMPTS,
// and never past the push's TTL.
import type { Logger } from "../infra/logger.ts";
import type { PushMetrics } from "./push-metrics.ts";
import { urgencyOf } from "./push-payload.ts";
import type { DeliverJob } from "./push-jobs.ts";
import { nextAttempt } from "./push-jobs.ts";
import type { JobResult } from "./push-queue.ts";
import type { PushSender } from "./push-sender.ts";
import type { PushSubscriptionRecord, PushSubscriptionRepository } from "./push-subscription.repository.ts";
import { retryDelayMs, type RetryPolicy } from "./retry-policy.ts";

export interface PushDeliveryDeps {
  subscriptions: Pick<PushSubscriptionRepository, "byId" | "remove">;
  senderFor(subscription: PushSubscriptionRecord): PushSender;
  ttlSec: number;
  retry: RetryPolicy;
  metrics: PushMetrics;
  log: Logger;
  now?: () => number;
}

export function createPushDelivery(d: PushDeliveryDeps) {
  const now = d.now ?? Date.now;

  return async function deliver(job: DeliverJob, signal: AbortSignal): Promise<JobResult> {
    const expiresAt = job.created_at + d.ttlSec * 1000;
    const sub = await d.subscriptions.byId(job.subscription_id);
    // Removed since (logout, a 410 on another push), or the device now belongs to someone else.
    if (!sub || sub.user_id !== job.user_id) return {};
    const sender = d.senderFor(sub);
    const ttlSec = Math.max(0, Math.floor((expiresAt - now()) / 1000));
    if (ttlSec <= 0 && d.ttlSec > 0) {
      d.metrics.failed(sender.name, "expired");
      return {};
    }
    const outcome = await sender.send(sub, { payload: job.payload, ttlSec, urgency: urgencyOf(job.payload.kind) }, signal);
    // Interrupted by a shutdown: not this attempt's fault, the queue hands the job on as it is.
    if (signal.aborted) return { retry: { job, delayMs: 0 } };
    const where = { job: job.id, subscription: sub.id, sender: sender.name, attempt: job.attempt };
    switch (outcome.result) {
      case "delivered":
        d.metrics.sent(sender.name);
        return {};
      case "gone":
        d.log.info({ ...where, reason: outcome.reason }, "push subscription gone: deleted");
        if (await d.subscriptions.remove(sub.id)) d.metrics.pruned("gone");
        return {};
      case "failed":
        d.log.warn({ ...where, reason: outcome.reason }, "push refused");
        d.metrics.failed(sender.name, "rejected");
        return {};
      case "retry": {
        if (job.attempt >= d.retry.maxAttempts) {
          d.log.warn({ ...where, reason: outcome.reason }, "push given up after the last attempt");
          d.metrics.failed(sender.name, "exhausted");
          return {};
        }
        const delayMs = retryDelayMs(job.attempt, d.retry, outcome.retryAfterMs);
        if (d.ttlSec > 0 && now() + delayMs >= expiresAt) {
          d.metrics.failed(sender.name, "expired");
          return {};
        }
        d.log.debug({ ...where, reason: outcome.reason, delayMs }, "push to be retried");
        d.metrics.retried(sender.name);
        return { retry: { job: nextAttempt(job), delayMs } };
      }
    }
  };
}

export type PushDelivery = ReturnType<typeof createPushDelivery>;
