// The in-process push queue (embedded mode: one node, no Redis). Bounded: at most
// PUSH_QUEUE_MAX_JOBS jobs in memory (waiting, delayed for a retry, or in hand); beyond that
// new jobs go to the spill file (spill-file.ts) in arrival order, and come back as room
// frees up. Nothing is dropped and the send path never waits. At a graceful stop, what is
// still here is saved to the spill file and worked at the next start; a crash (SIGKILL)
// loses what was in memory (docs/PUSH.md: a cluster's Redis queue does not).
import type { Logger } from "../infra/logger.ts";
import type { PushJob } from "./push-jobs.ts";
import type { JobHandler, JobResult, PushQueue } from "./push-queue.ts";
import type { SpillFile } from "./spill-file.ts";

export interface MemoryQueueOptions {
  concurrency: number;
  maxJobs: number;
  graceMs: number;
  spill: SpillFile;
  log: Logger;
  now?: () => number;
}

export function memoryPushQueue(o: MemoryQueueOptions): PushQueue {
  const now = o.now ?? Date.now;
  const ready: PushJob[] = [];
  let head = 0;
  /** Sorted by due time. */
  const delayed: { due: number; job: PushJob }[] = [];
  const held = new Map<PushJob, { abort: AbortController; done: Promise<void>; released: boolean }>();
  let handler: JobHandler | null = null;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;

  const size = () => ready.length - head + delayed.length + held.size;

  function addDelayed(job: PushJob, due: number) {
    let i = delayed.length;
    while (i > 0 && delayed[i - 1]!.due > due) i--;
    delayed.splice(i, 0, { due, job });
    schedule();
  }

  function admit(job: PushJob) {
    if (job.not_before !== undefined && job.not_before > now()) addDelayed(job, job.not_before);
    else ready.push(job);
  }

  function schedule() {
    clearTimeout(timer);
    timer = undefined;
    if (stopped || !handler || delayed.length === 0) return;
    timer = setTimeout(() => {
      const t = now();
      while (delayed.length && delayed[0]!.due <= t) ready.push(delayed.shift()!.job);
      schedule();
      pump();
    }, Math.max(0, delayed[0]!.due - now()));
    timer.unref();
  }

  function refill() {
    // Below half full, the oldest spilled jobs come back (in chunks, not one by one).
    const room = Math.floor(o.maxJobs / 2) - size();
    if (o.spill.pending > 0 && room > 0) for (const job of o.spill.take(room)) admit(job);
  }

  function pump() {
    if (stopped || !handler) return;
    refill();
    while (held.size < o.concurrency && head < ready.length) {
      const job = ready[head]!;
      ready[head++] = undefined as never;
      if (head > 1024 && head * 2 > ready.length) {
        ready.splice(0, head);
        head = 0;
      }
      run(job, handler);
    }
  }

  function run(job: PushJob, h: JobHandler) {
    const entry = { abort: new AbortController(), done: Promise.resolve(), released: false };
    entry.done = h(job, entry.abort.signal)
      .then(
        (r) => {
          if (!entry.released) apply(r);
        },
        (err: unknown) => {
          // "Could not tell" (the handler catches outcomes itself): try again in a while.
          o.log.error({ err, job: job.id }, "push job failed unexpectedly; retrying later");
          if (!entry.released) apply({ retry: { job, delayMs: 30_000 } });
        },
      )
      .finally(() => {
        held.delete(job);
        pump();
      });
    held.set(job, entry);
  }

  function apply(r: JobResult) {
    if (r.retry) addDelayed(r.retry.job, now() + r.retry.delayMs);
    if (r.next?.length) enqueueNow(r.next);
  }

  let pumpScheduled = false;
  /**
   * Starts work on the next turn of the event loop. A trigger fires while a send is being
   * answered; starting its fan-out at once put that work before the ack on the same loop
   * (bench:push: ack p50 2.0 ms against 0.9 ms deferred). The job itself is admitted at once.
   */
  function pumpSoon() {
    if (pumpScheduled) return;
    pumpScheduled = true;
    setImmediate(() => {
      pumpScheduled = false;
      pump();
    });
  }

  function enqueueNow(jobs: PushJob[], startAt: "now" | "next turn" = "now") {
    // Once anything is spilled, newer jobs queue behind it (in the file) to keep the order.
    const spillFrom = stopped || o.spill.pending > 0 ? 0 : Math.max(0, Math.min(jobs.length, o.maxJobs - size()));
    for (const job of jobs.slice(0, spillFrom)) admit(job);
    if (spillFrom < jobs.length) {
      // Said once per episode: under overload this runs for every message.
      if (!stopped && o.spill.pending === 0) o.log.warn({ maxJobs: o.maxJobs, file: o.spill.path }, "push queue full: new jobs go to disk until it drains");
      o.spill.append(jobs.slice(spillFrom));
    }
    if (startAt === "now") pump();
    else pumpSoon();
  }

  return {
    kind: "memory",
    async enqueue(jobs) {
      enqueueNow(jobs, "next turn");
    },
    start(h) {
      handler = h;
      schedule();
      pump();
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      clearTimeout(timer);
      const inHand = [...held.values()];
      const grace = new Promise<void>((r) => setTimeout(r, o.graceMs).unref());
      await Promise.race([Promise.all(inHand.map((h) => h.done)), grace]);
      // Past the grace: abort the rest and save them as they are (whatever they still answer is ignored).
      const cut: PushJob[] = [];
      for (const [job, h] of held) {
        h.released = true;
        h.abort.abort(new Error("push queue stopping"));
        cut.push(job);
      }
      const waiting: PushJob[] = [...cut, ...ready.slice(head), ...delayed.map((d) => ({ ...d.job, not_before: d.due }))];
      ready.length = head = delayed.length = 0;
      o.spill.append(waiting);
      if (waiting.length) o.log.info({ saved: waiting.length, file: o.spill.path }, "push queue stopped: waiting jobs saved for the next start");
    },
    async depth() {
      return size() + o.spill.pending;
    },
  };
}
