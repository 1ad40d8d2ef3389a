// Parent ↔ child request/response over the fork() IPC channel. Every benchmark process
// (servers and load generators) is a forked child driven by the orchestrator, so load
// generation never shares an event loop with the server it measures.
import { fork, type ChildProcess } from "node:child_process";

// Each handler declares its own argument type; the IPC layer cannot check it.
type Handler = (args: never) => unknown;

interface Request {
  id: number;
  cmd: string;
  args?: unknown;
}
interface Reply {
  id: number;
  ok: boolean;
  result?: unknown;
  error?: string;
}
interface Notice {
  event: string;
  data?: unknown;
}

export interface ChildHandle {
  name: string;
  proc: ChildProcess;
  // Replies are structured clones of what the child's handler returned; callers that rely
  // on the shape name it with T.
  call<T = any>(cmd: string, args?: unknown, timeoutMs?: number): Promise<T>;
  onEvent(event: string, fn: (data: unknown) => void): void;
  /** Resolves with the child's first notice of this kind. */
  once<T = any>(event: string, timeoutMs?: number): Promise<T>;
  stop(): Promise<void>;
}

const live = new Set<ChildHandle>();

/** Forks a bench child. `execArgv` adds node flags (e.g. --expose-gc, --cpu-prof). */
export function spawnChild(name: string, file: string, opts: { env?: Record<string, string>; execArgv?: string[]; args?: string[]; logFd?: number } = {}): ChildHandle {
  const out = opts.logFd ?? "inherit";
  const proc = fork(file, opts.args ?? [], {
    env: { ...process.env, ...opts.env },
    execArgv: [...process.execArgv.filter((a) => !a.startsWith("--cpu-prof")), ...(opts.execArgv ?? [])],
    stdio: ["ignore", out, out, "ipc"],
    serialization: "advanced",
  });
  let next = 1;
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void; timer: NodeJS.Timeout }>();
  const listeners = new Map<string, ((d: unknown) => void)[]>();
  let exited = false;

  proc.on("message", (msg: Reply | Notice) => {
    if ("event" in msg) return void (listeners.get(msg.event) ?? []).forEach((fn) => fn(msg.data));
    const p = pending.get(msg.id);
    if (!p) return;
    pending.delete(msg.id);
    clearTimeout(p.timer);
    if (msg.ok) p.resolve(msg.result);
    else p.reject(new Error(`${name}: ${msg.error}`));
  });
  proc.on("exit", (code, signal) => {
    exited = true;
    live.delete(handle);
    for (const p of pending.values()) {
      clearTimeout(p.timer);
      p.reject(new Error(`${name} exited (${signal ?? code}) with a request pending`));
    }
    pending.clear();
  });

  const handle: ChildHandle = {
    name,
    proc,
    call(cmd, args, timeoutMs = 120_000) {
      if (exited) return Promise.reject(new Error(`${name} is not running`));
      const id = next++;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error(`${name}: ${cmd} timed out after ${timeoutMs} ms`));
        }, timeoutMs);
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
        proc.send({ id, cmd, args } satisfies Request);
      });
    },
    onEvent(event, fn) {
      listeners.set(event, [...(listeners.get(event) ?? []), fn]);
    },
    once(event, timeoutMs = 120_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${name}: no "${event}" within ${timeoutMs} ms`)), timeoutMs);
        proc.once("exit", (code) => {
          clearTimeout(timer);
          reject(new Error(`${name} exited (${code}) before "${event}"`));
        });
        handle.onEvent(event, (d) => {
          clearTimeout(timer);
          resolve(d as never);
        });
      });
    },
    stop() {
      if (exited) return Promise.resolve();
      return new Promise((resolve) => {
        const killer = setTimeout(() => proc.kill("SIGKILL"), 10_000);
        proc.once("exit", () => {
          clearTimeout(killer);
          resolve();
        });
        proc.kill("SIGTERM");
      });
    },
  };
  live.add(handle);
  return handle;
}

/** Stops every child still running (on the way out, also after a failure). */
export async function stopAll() {
  await Promise.all([...live].map((c) => c.stop()));
}

/** Runs a benchmark's main; on a failure stops every child (and `also`) and exits 1. */
export function runBenchmark(main: () => Promise<void>, also: () => Promise<void> = async () => {}) {
  main().catch(async (err) => {
    console.error(err);
    await stopAll();
    await also();
    process.exit(1);
  });
}

/** Child side: answers the parent's requests with these handlers. */
export function serve(handlers: Record<string, Handler>) {
  process.on("message", async (msg: Request) => {
    const h = handlers[msg.cmd];
    try {
      if (!h) throw new Error(`unknown command ${msg.cmd}`);
      const result = await h(msg.args as never);
      process.send!({ id: msg.id, ok: true, result } satisfies Reply);
    } catch (err) {
      process.send!({ id: msg.id, ok: false, error: err instanceof Error ? err.message : String(err) } satisfies Reply);
    }
  });
  // An orphaned load generator would keep hammering the next run: leave with the parent.
  process.on("disconnect", () => process.exit(0));
  process.on("SIGTERM", () => process.exit(0));
}

export function notify(event: string, data?: unknown) {
  process.send?.({ event, data } satisfies Notice);
}
