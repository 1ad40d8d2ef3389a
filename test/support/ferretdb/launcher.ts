// Runs FerretDB (the MongoDB-protocol server available here) as a child process on
// loopback, for the tests and benchmarks of cluster mode. The server itself never starts it.
// The child watches its stdin: when this process dies, the pipe closes and it exits,
// so a crashed server never leaves an orphan database holding the data directory.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync } from "node:fs";
import { resolve } from "node:path";
import { createInterface } from "node:readline";
import { resolveEmbeddedDb } from "./binary.ts";
import { freePort, hasExited } from "../processes.ts";

export interface EmbeddedDb {
  uri: string;
  kind: "ferretdb" | "mongod";
  /** The server's process id (a test can SIGSTOP it to make the database hang). */
  pid: number;
  stop(): Promise<void>;
}

export interface EmbeddedDbOptions {
  dataDir: string;
  port?: number;
  log?: (msg: string) => void;
  startTimeoutMs?: number;
}

export async function startEmbeddedDb(opts: EmbeddedDbOptions): Promise<EmbeddedDb> {
  const log = opts.log ?? (() => {});
  const db = resolveEmbeddedDb(log);
  const dataDir = resolve(opts.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const port = opts.port || (await freePort());

  const args =
    db.kind === "ferretdb"
      ? ["-listen", `127.0.0.1:${port}`, "-data", dataDir]
      : ["--dbpath", dataDir, "--bind_ip", "127.0.0.1", "--port", String(port), "--quiet"];
  const child = spawn(db.binary, args, { stdio: ["pipe", "pipe", "inherit"] });

  const uri = await waitReady(child, db.kind, port, opts.startTimeoutMs ?? 30_000);
  log(`embedded ${db.kind} listening at ${uri} (data in ${dataDir})`);
  return {
    uri,
    kind: db.kind,
    pid: child.pid!,
    stop: () => stopChild(child),
  };
}

function waitReady(child: ChildProcess, kind: string, port: number, timeoutMs: number): Promise<string> {
  return new Promise((resolveUri, reject) => {
    const timer = setTimeout(() => fail(new Error(`embedded ${kind} did not start within ${timeoutMs} ms`)), timeoutMs);
    const fail = (err: Error) => {
      clearTimeout(timer);
      child.kill("SIGKILL");
      reject(err);
    };
    child.once("exit", (code) => fail(new Error(`embedded ${kind} exited with code ${code} before it was ready`)));
    child.once("error", fail);
    const lines = createInterface({ input: child.stdout! });
    lines.on("line", (line) => {
      const ready = kind === "ferretdb" ? line.startsWith("READY ") : /waiting for connections/i.test(line);
      if (!ready) return;
      clearTimeout(timer);
      child.removeAllListeners("exit");
      resolveUri(`mongodb://127.0.0.1:${port}/`);
    });
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (hasExited(child)) return Promise.resolve();
  return new Promise((done) => {
    const killer = setTimeout(() => child.kill("SIGKILL"), 5000);
    child.once("exit", () => {
      clearTimeout(killer);
      done();
    });
    child.kill("SIGTERM");
  });
}

