// A real cluster on loopback: FerretDB, Redis, N server processes (`node main.ts`)
// and nginx with the shipped sticky-session config in front. Nodes can be SIGKILLed,
// SIGTERMed and restarted; Redis and the database can be restarted in place.
import { spawn, type ChildProcess } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort, hasExited } from "./processes.ts";
import { startDatabase, type TestDatabase } from "./database.ts";
import { api, type Api } from "./http.ts";
import { startNginx, type TestNginx } from "./nginx.ts";
import { startRedis, type TestRedis } from "./redis-server.ts";
import { testEnv } from "./server.ts";

const mainTs = join(dirname(fileURLToPath(import.meta.url)), "../../main.ts");

export interface ClusterNode {
  port: number;
  url: string;
  process: ChildProcess;
}

export interface Cluster {
  db: TestDatabase;
  redis: TestRedis;
  nginx: TestNginx;
  nodes: ClusterNode[];
  url: string; // through nginx
  api: Api;
  kill(i: number, signal: "SIGKILL" | "SIGTERM"): Promise<void>;
  start(i: number): Promise<void>;
  stop(): Promise<void>;
}

async function waitReady(url: string, child: ChildProcess, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (hasExited(child)) throw new Error(`node exited with ${child.exitCode} during start`);
    try {
      if ((await fetch(`${url}/readyz`)).status === 200) return;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`node at ${url} not ready in ${timeoutMs} ms`);
}

export async function startCluster(opts: { nodes?: number; env?: Record<string, string> } = {}): Promise<Cluster> {
  const n = opts.nodes ?? 2;
  const [db, redis] = await Promise.all([startDatabase(), startRedis()]);
  const ports = await Promise.all(Array.from({ length: n }, () => freePort()));
  const env = testEnv({ MONGODB_URI: db.uri, REDIS_URL: redis.url, LOG_LEVEL: process.env.TEST_LOG_LEVEL || "warn", TRUST_PROXY: "loopback", ...opts.env });
  const nodes: ClusterNode[] = [];
  const lastErrors = new Map<number, string>();

  async function start(i: number) {
    const port = ports[i]!;
    const child = spawn(process.execPath, [mainTs], { env: { ...process.env, ...env, PORT: String(port) }, stdio: ["ignore", "ignore", "pipe"] });
    // Keep the node's last words: a node that dies at start says why in the error.
    let stderr = "";
    child.stderr!.on("data", (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
      if (process.env.TEST_LOG_LEVEL) process.stderr.write(chunk);
    });
    child.once("exit", (code) => {
      if (code && code !== 0 && code !== 143) lastErrors.set(i, stderr);
    });
    nodes[i] = { port, url: `http://127.0.0.1:${port}`, process: child };
    await waitReady(nodes[i]!.url, child).catch((err: Error) => {
      throw new Error(`${err.message}: ${lastErrors.get(i) ?? stderr}`);
    });
  }

  let nginx: TestNginx;
  try {
    await Promise.all(ports.map((_, i) => start(i)));
    nginx = await startNginx(ports);
  } catch (err) {
    // Leave nothing running behind a failed start, or the test process never exits.
    for (const node of nodes) node?.process.kill("SIGKILL");
    await Promise.all([db.stop(), redis.stop()]);
    throw err;
  }

  return {
    db,
    redis,
    nginx,
    nodes,
    url: nginx.url,
    api: api(nginx.url),
    start,
    async kill(i, signal) {
      const child = nodes[i]!.process;
      if (hasExited(child)) return;
      await new Promise<void>((resolve) => {
        child.once("exit", () => resolve());
        child.kill(signal);
      });
    },
    async stop() {
      await nginx.stop();
      await Promise.all(nodes.map((node) => (!hasExited(node.process) ? new Promise<void>((r) => {
        node.process.once("exit", () => r());
        node.process.kill("SIGKILL");
      }) : Promise.resolve())));
      await Promise.all([db.stop(), redis.stop()]);
    },
  };
}
