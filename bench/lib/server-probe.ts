// Measures a server process from the inside, the same way for our app and the baseline:
// CPU time (process.cpuUsage) and event-loop lag (monitorEventLoopDelay) over a window
// the orchestrator opens and closes, and heap/RSS after a forced GC (needs --expose-gc)
// so that per-connection memory is not blurred by garbage that is merely uncollected.
import { monitorEventLoopDelay } from "node:perf_hooks";
import { readFileSync } from "node:fs";

export interface ProbeWindow {
  wall_ms: number;
  cpu_user_ms: number;
  cpu_system_ms: number;
  /** CPU time as a share of one core over the window (1.0 = one core busy). */
  cpu_cores: number;
  loop_lag_p50_ms: number;
  loop_lag_p99_ms: number;
  loop_lag_max_ms: number;
}

export interface MemorySample {
  heap_used: number;
  /** Heap the VM has committed (used or not): RSS follows this, not heap_used. */
  heap_total: number;
  rss: number;
  external: number;
  array_buffers: number;
}

const round = (n: number, d = 2) => Math.round(n * 10 ** d) / 10 ** d;

export function createProbe() {
  const lag = monitorEventLoopDelay({ resolution: 10 });
  let cpu0 = process.cpuUsage();
  let t0 = performance.now();
  return {
    start() {
      lag.reset();
      lag.enable();
      cpu0 = process.cpuUsage();
      t0 = performance.now();
    },
    stop(): ProbeWindow {
      const cpu = process.cpuUsage(cpu0);
      const wall = performance.now() - t0;
      lag.disable();
      // The histogram is in ns and includes the sampling resolution itself; subtract it.
      const ms = (ns: number) => round(Math.max(0, ns / 1e6 - 10));
      return {
        wall_ms: round(wall, 0),
        cpu_user_ms: round(cpu.user / 1000, 0),
        cpu_system_ms: round(cpu.system / 1000, 0),
        cpu_cores: round((cpu.user + cpu.system) / 1000 / wall),
        loop_lag_p50_ms: lag.count ? ms(lag.percentile(50)) : 0,
        loop_lag_p99_ms: lag.count ? ms(lag.percentile(99)) : 0,
        loop_lag_max_ms: lag.count ? ms(lag.max) : 0,
      };
    },
    async memory(): Promise<MemorySample> {
      const gc = (globalThis as { gc?: () => void }).gc;
      if (gc) {
        // Twice, with a turn of the loop between, so finalisers and weak refs settle.
        gc();
        await new Promise((r) => setTimeout(r, 50));
        gc();
      }
      const m = process.memoryUsage();
      return { heap_used: m.heapUsed, heap_total: m.heapTotal, rss: m.rss, external: m.external, array_buffers: m.arrayBuffers };
    },
  };
}

/** The soft RLIMIT_NOFILE of this process: how many sockets it can hold at most. */
export function fdLimit(pid: number | "self" = "self"): number {
  const line = readFileSync(`/proc/${pid}/limits`, "utf8")
    .split("\n")
    .find((l) => l.startsWith("Max open files"));
  const soft = line?.split(/\s{2,}/)[1];
  return soft === undefined || soft === "unlimited" ? Number.MAX_SAFE_INTEGER : Number(soft);
}

/** CPU seconds (user+system) a process has used so far, from /proc (for the database process). */
export function procCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14, 15)
  return (ticks * 1000) / 100; // USER_HZ is 100 on Linux
}
