// Where the in-process push queue puts jobs it has no room for (and, at shutdown, the jobs it
// still holds): an append-only JSON-lines file in DATA_DIR, read back in order as room frees
// up, and at the next start. Memory stays bounded by PUSH_QUEUE_MAX_JOBS; the disk is the
// limit beyond it, so a full queue never drops a push (Tinode's does). Synchronous I/O: it
// runs only when the queue is full or stopping, a few hundred bytes per job.
import { appendFileSync, closeSync, existsSync, openSync, readFileSync, readSync, rmSync } from "node:fs";
import type { Logger } from "../infra/logger.ts";
import { parseJob, type PushJob } from "./push-jobs.ts";

const CHUNK = 1 << 20;

export class SpillFile {
  readonly path: string;
  readonly #log: Logger;
  /** Byte offset of the first line not read back yet. */
  #offset = 0;
  #pending = 0;

  constructor(path: string, log: Logger) {
    this.path = path;
    this.#log = log;
    // Jobs a previous run spilled or saved at shutdown: they come back first.
    if (existsSync(path)) this.#pending = readFileSync(path, "utf8").split("\n").filter((l) => l.trim()).length;
  }

  /** Jobs in the file not read back yet. */
  get pending(): number {
    return this.#pending;
  }

  append(jobs: readonly PushJob[]): void {
    if (jobs.length === 0) return;
    appendFileSync(this.path, jobs.map((j) => `${JSON.stringify(j)}\n`).join(""), { mode: 0o600 });
    this.#pending += jobs.length;
  }

  /** Up to `max` jobs, oldest first. The file is deleted once everything was read back. */
  take(max: number): PushJob[] {
    const jobs: PushJob[] = [];
    if (this.#pending === 0 || max <= 0) return jobs;
    const fd = openSync(this.path, "r");
    try {
      const buf = Buffer.alloc(CHUNK);
      while (jobs.length < max && this.#pending > 0) {
        const n = readSync(fd, buf, 0, CHUNK, this.#offset);
        if (n === 0) break;
        const text = buf.subarray(0, n);
        let start = 0;
        let nl: number;
        while (jobs.length < max && (nl = text.indexOf(10, start)) !== -1) {
          const line = text.subarray(start, nl).toString("utf8");
          start = nl + 1;
          if (!line.trim()) continue;
          this.#pending--;
          const job = parseJob(line);
          if (job) jobs.push(job);
          else this.#log.error({ file: this.path }, "push spill file: unreadable line skipped");
        }
        this.#offset += start;
        if (start === 0) break; // a partial last line (never written by append): stop here
      }
    } finally {
      closeSync(fd);
    }
    if (this.#pending <= 0) this.#reset();
    return jobs;
  }

  #reset() {
    rmSync(this.path, { force: true });
    this.#offset = 0;
    this.#pending = 0;
  }
}
