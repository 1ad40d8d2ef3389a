// Runs Debian's nginx with the shipped deploy/nginx.conf, rendered for loopback ports.
import { spawn, type ChildProcess } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort, hasExited } from "../../src/infra/embedded-db/embedded-db.ts";

const shipped = join(dirname(fileURLToPath(import.meta.url)), "../../deploy/nginx.conf");

export function renderNginxConf(opts: { listenPort: number; upstreamPorts: number[]; dir: string }): string {
  let conf = readFileSync(shipped, "utf8");
  const servers = opts.upstreamPorts.map((p) => `    server 127.0.0.1:${p} max_fails=1 fail_timeout=2s;`).join("\n");
  conf = conf.replace(/# BEGIN upstream servers[\s\S]*?# END upstream servers/, servers);
  conf = conf.replace(/# BEGIN listen[\s\S]*?# END listen/, `listen 127.0.0.1:${opts.listenPort};`);
  conf = conf.replace(/\/tmp\/nginx-chat/g, join(opts.dir, "nginx-chat"));
  conf = conf.replace("worker_processes auto;", "worker_processes 1;\nuser root;");
  return conf;
}

export interface TestNginx {
  url: string;
  port: number;
  stop(): Promise<void>;
}

export async function startNginx(upstreamPorts: number[]): Promise<TestNginx> {
  const dir = mkdtempSync(join(tmpdir(), "chat-nginx-"));
  chmodSync(dir, 0o755);
  const port = await freePort();
  const confPath = join(dir, "nginx.conf");
  writeFileSync(confPath, renderNginxConf({ listenPort: port, upstreamPorts, dir }));
  const bin = existsSync("/usr/sbin/nginx") ? "/usr/sbin/nginx" : "nginx";
  const child: ChildProcess = spawn(bin, ["-p", dir, "-c", confPath, "-g", "daemon off;"], { stdio: ["ignore", "inherit", "inherit"] });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    if (hasExited(child)) throw new Error(`nginx exited with ${child.exitCode}`);
    try {
      await fetch(`${url}/healthz`);
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
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
