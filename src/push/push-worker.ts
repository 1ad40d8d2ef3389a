// The queue's job handler: a fan-out becomes deliver jobs, a deliver job is sent. A job that
// throws (the database did not answer, Redis hiccupped) is retried whole with the backoff,
// up to PUSH_MAX_ATTEMPTS: a fan-out is safe to redo (it only reads and queues).
import type { Logger } from "../infra/logger.ts";
import { nextAttempt } from "./push-jobs.ts";
import type { PushDelivery } from "./push-delivery.ts";
import type { PushFanout } from "./push-fanout.ts";
import type { PushMetrics } from "./push-metrics.ts";
import type { JobHandler } from "./push-queue.ts";
import { retryDelayMs, type RetryPolicy } from "./retry-policy.ts";

export function createPushWorker(d: { fanout: PushFanout; deliver: PushDelivery; retry: RetryPolicy; metrics: PushMetrics; log: Logger }): JobHandler {
  return async (job, signal) => {
    try {
      if (job.type === "fanout") return { next: await d.fanout.plan(job.event) };
      return await d.deliver(job, signal);
    } catch (err) {
      if (signal.aborted) return { retry: { job, delayMs: 0 } };
      if (job.attempt >= d.retry.maxAttempts) {
        d.log.error({ err, job: job.id, type: job.type }, "push job failed on its last attempt; dropped");
        d.metrics.failed(job.type === "deliver" ? "unknown" : "fanout", "error");
        return {};
      }
      d.log.warn({ err, job: job.id, type: job.type, attempt: job.attempt }, "push job failed; retrying");
      return { retry: { job: nextAttempt(job), delayMs: retryDelayMs(job.attempt, d.retry) } };
    }
  };
}
