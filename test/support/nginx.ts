// Runs Debian's nginx with the shipped deploy/nginx.conf, rendered for loopback ports.
import { spawn, type ChildProcess } from "node:child_process";
import { chmodSync, closeSync, existsSync, openSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort, hasExited } from "./processes.ts";
import { waitFor } from "./wait.ts";

const shipped = join(dirname(fileURLToPath(import.meta.url)), "../../deploy/nginx.conf");

/**
 * `workers` > 1 (benchmarks with thousands of clients): several worker processes share the
 * listening socket (reuseport), so that no single worker needs more descriptors than the
 * machine's per-process limit (each proxied client holds two).
 */
export function renderNginxConf(opts: { listenPort: number; upstreamPorts: number[]; dir: string; workers?: number }): string {
  const workers = opts.workers ?? 1;
  let conf = readFileSync(shipped, "utf8");
  // Same server parameters as the shipped file, only the addresses change.
  const params = /# BEGIN upstream servers\s*server \S+ ([^;]*);/.exec(conf)?.[1] ?? "";
  const servers = opts.upstreamPorts.map((p) => `    server 127.0.0.1:${p} ${params};`).join("\n");
  conf = conf.replace(/# BEGIN upstream servers[\s\S]*?# END upstream servers/, servers.trimStart());
  conf = conf.replace(/(# BEGIN listen[\s\S]*?)listen 80\b([^;]*);/, `$1listen 127.0.0.1:${opts.listenPort}$2${workers > 1 ? " reuseport" : ""};`);
  conf = conf.replace(/\/tmp\/nginx-chat/g, join(opts.dir, "nginx-chat"));
  conf = conf.replace("worker_processes auto;", `worker_processes ${workers};\nuser root;`);
  return conf;
}

export interface TestNginx {
  url: string;
  port: number;
  stop(): Promise<void>;
}

export async function startNginx(upstreamPorts: number[], opts: { workers?: number; logFile?: string } = {}): Promise<TestNginx> {
  const dir = mkdtempSync(join(tmpdir(), "chat-nginx-"));
  chmodSync(dir, 0o755);
  const port = await freePort();
  const confPath = join(dir, "nginx.conf");
  writeFileSync(confPath, renderNginxConf({ listenPort: port, upstreamPorts, dir, ...(opts.workers ? { workers: opts.workers } : {}) }));
  const bin = existsSync("/usr/sbin/nginx") ? "/usr/sbin/nginx" : "nginx";
  // nginx logs every refused upstream: a benchmark that kills nodes sends that to a file.
  const log = opts.logFile ? openSync(opts.logFile, "w") : "inherit";
  const child: ChildProcess = spawn(bin, ["-p", dir, "-c", confPath, "-g", "daemon off;"], { stdio: ["ignore", log, log] });
  if (typeof log === "number") closeSync(log);
  const url = `http://127.0.0.1:${port}`;
  const answers = async () => {
    if (hasExited(child)) throw new Error(`nginx exited with ${child.exitCode}`);
    return fetch(`${url}/healthz`).then(
      () => true, // any answer, a 502 from no upstream included: nginx listens
      () => false,
    );
  };
  try {
    await waitFor(answers, `nginx to listen on ${url}`, 10_000, 50);
  } catch (err) {
    child.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    url,
    port,
    async stop() {
      if (!hasExited(child)) {
        await new Promise<void>((resolve) => {
          child.once("exit", () => resolve());
          child.kill("SIGQUIT");
          setTimeout(() => child.kill("SIGKILL"), 3000).unref();
        });
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
