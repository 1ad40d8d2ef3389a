// Periodic jobs of a node (pruning, presence heartbeats): one scheduler, so a shutdown
// stops them all, and a failing job is logged and retried at its next turn, never fatal.
import type { Logger } from "./logger.ts";

export function createBackgroundJobs(log: Logger) {
  const timers: NodeJS.Timeout[] = [];
  return {
    every(ms: number, name: string, job: () => Promise<unknown>) {
      const timer = setInterval(() => void job().catch((err) => log.warn({ err, job: name }, "background job failed")), ms);
      timer.unref();
      timers.push(timer);
    },
    stop() {
      for (const t of timers.splice(0)) clearInterval(t);
    },
  };
}
