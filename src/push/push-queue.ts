// Where push jobs wait between the trigger and the worker. Two implementations with the same
// contract: in process (memory-push-queue.ts: embedded mode, one node; bounded, spilling to a
// file in DATA_DIR when full) and Redis Streams (redis-push-queue.ts: cluster mode; a consumer
// group, so each job is worked by exactly one node, and a dead node's jobs are reclaimed).
import type { PushJob } from "./push-jobs.ts";

/** What became of a job: more jobs to queue (a fan-out's deliveries), and/or itself again later. */
export interface JobResult {
  next?: PushJob[];
  retry?: { job: PushJob; delayMs: number };
}

/** Works one job. Never throws for an outcome; a throw means "could not tell": the queue tries again later. */
export type JobHandler = (job: PushJob, signal: AbortSignal) => Promise<JobResult>;

export interface PushQueue {
  readonly kind: "memory" | "redis";
  /** Adds jobs. Never drops one: a full in-process queue spills to disk; Redis failures reject (the caller logs them). */
  enqueue(jobs: PushJob[]): Promise<void>;
  /** Starts working jobs with `handler`, up to the configured concurrency. */
  start(handler: JobHandler): void;
  /**
   * Stops taking jobs, lets those in hand finish for the grace period, then aborts the rest
   * and gives them back (Redis: to the stream, for another node; memory: to the spill file,
   * for the next start, with whatever was still waiting).
   */
  stop(): Promise<void>;
  /** Jobs waiting, delayed or in hand (the queue-depth gauge). */
  depth(): Promise<number>;
}
