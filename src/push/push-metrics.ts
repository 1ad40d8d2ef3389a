// What the push subsystem counts. An interface here (implemented by src/infra/metrics.ts with
// prom-client), so the push code does not depend on the metrics registry and tests can pass
// a recording one.

export type PruneReason = "gone" | "session_ended" | "logout" | "replaced";
export type SkipReason = "online" | "muted" | "blocked" | "not_member";

export interface PushMetrics {
  /** A push service took a push. */
  sent(sender: string): void;
  /** A push given up: refused for good, attempts exhausted, or past its TTL. */
  failed(sender: string, reason: "rejected" | "exhausted" | "expired" | "error"): void;
  /** A push scheduled for another attempt. */
  retried(sender: string): void;
  /** Subscriptions removed, and why. */
  pruned(reason: PruneReason, count?: number): void;
  /** A recipient with devices who got no push, and why. */
  skipped(reason: SkipReason): void;
  /** A job that could not be queued (Redis unreachable): logged, and lost. */
  enqueueFailed(): void;
}

export const noPushMetrics: PushMetrics = {
  sent() {},
  failed() {},
  retried() {},
  pruned() {},
  skipped() {},
  enqueueFailed() {},
};
