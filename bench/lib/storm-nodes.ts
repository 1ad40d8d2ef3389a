// The server processes of the reconnect storm, started the way an operator runs them so
// that a signal does what it does in production: our app is `node main.ts` (its own
// SIGTERM drain), the baseline is `node bench/baseline-server.ts` standalone (io.close()
// on SIGTERM). Both on the Redis streams adapter with connection-state recovery.
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, mkdirSync, openSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort, hasExited } from "../../test/support/processes.ts";
import { testEnv } from "../../test/support/server.ts";
import { benchEnv, LOG_DIR, type Target } from "./servers.ts";

const MAIN = fileURLToPath(new URL("../../main.ts", import.meta.url));
const BASELINE = fileURLToPath(new URL("../baseline-server.ts", import.meta.url));

export interface StormNode {
  name: string;
  port: number;
  url: string;
  proc: ChildProcess;
  /** Sends the signal; resolves when the process has exited. */
  kill(signal: "SIGTERM" | "SIGKILL"): Promise<void>;
}

const running = new Set<StormNode>();

/** Our nodes share one MongoDB-protocol database (`dbUri`: cluster mode); the baseline has none. */
export async function startNode(target: Target, o: { name: string; redisUrl: string; dbUri?: string; port?: number }): Promise<StormNode> {
  const port = o.port ?? (await freePort());
  const env =
    target === "ours"
      ? { ...testEnv(benchEnv({ MONGODB_URI: o.dbUri!, REDIS_URL: o.redisUrl })), PORT: String(port) }
      : { PORT: String(port), REDIS_URL: o.redisUrl };
  mkdirSync(LOG_DIR, { recursive: true });
  const log = openSync(join(LOG_DIR, `${o.name}.log`), "w");
  // BENCH_CPU_PROF=<dir>: profile the nodes too (node bench/lib/cpuprofile-top.ts <file>).
  const prof = process.env.BENCH_CPU_PROF ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  const proc = spawn(process.execPath, [...prof, target === "ours" ? MAIN : BASELINE], { env: { ...process.env, ...env }, stdio: ["ignore", log, log] });
  closeSync(log);
  const node: StormNode = {
    name: o.name,
    port,
    url: `http://127.0.0.1:${port}`,
    proc,
    kill(signal) {
      if (hasExited(proc)) return Promise.resolve();
      return new Promise((resolve) => {
        proc.once("exit", () => resolve());
        proc.kill(signal);
      });
    },
  };
  running.add(node);
  proc.once("exit", () => running.delete(node));
  // Ours is ready when /readyz says so (database and Redis reachable); the baseline when
  // it answers at all (404 for every plain HTTP request).
  const probe = target === "ours" ? "/readyz" : "/";
  for (const until = Date.now() + 60_000; ; ) {
    if (hasExited(proc)) throw new Error(`${o.name} exited with ${proc.exitCode} during start (log: ${join(LOG_DIR, `${o.name}.log`)})`);
    const status = await fetch(node.url + probe).then((r) => r.status, () => 0);
    if (status === 200 || (target === "baseline" && status === 404)) return node;
    if (Date.now() > until) throw new Error(`${o.name} not ready in 60 s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function stopNodes() {
  // A profiled node writes its profile only when it exits by itself: ask it first.
  if (process.env.BENCH_CPU_PROF) {
    await Promise.race([Promise.all([...running].map((n) => n.kill("SIGTERM"))), new Promise((r) => setTimeout(r, 15_000))]);
  }
  await Promise.all([...running].map((n) => n.kill("SIGKILL")));
}
