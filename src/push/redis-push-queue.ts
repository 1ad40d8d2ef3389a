// The cluster's push queue: one Redis stream with one consumer group. Every node reads it as
// its own consumer (XREADGROUP), so each job is worked by exactly one node; a job stays in
// the group's pending list until its outcome is written (XACK + XDEL, in the same MULTI as
// the jobs it produced or its retry), so a node that dies holding jobs loses none: after
// PUSH_CLAIM_IDLE_MS another node takes them over (XAUTOCLAIM). A node refreshes the idle
// time of the jobs it is still working (XCLAIM JUSTID) so that a slow one is not taken over.
// Retries wait in a sorted set scored by their due time; every node moves the due ones back
// to the stream with one atomic script, so they survive the node that scheduled them.
// A push can go out twice only when a node dies between the push service's answer and the
// XACK; both copies carry the same collapse key, so the device shows one notification.
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import type { Logger } from "../infra/logger.ts";
import type { Redis } from "../infra/redis.ts";
import { parseJob, type PushJob } from "./push-jobs.ts";
import type { JobHandler, JobResult, PushQueue } from "./push-queue.ts";

export interface RedisQueueOptions {
  concurrency: number;
  /** Jobs of a consumer idle this long are taken over (PUSH_CLAIM_IDLE_MS). */
  claimIdleMs: number;
  graceMs: number;
  log: Logger;
  /** Key prefix (tests run several queues on one Redis). */
  prefix?: string;
  /** How often this node moves due retries back to the stream. */
  promoteEveryMs?: number;
}

// Moves up to ARGV[2] due retries (score <= ARGV[1]) to the stream, atomically: of several
// nodes running it at once, each job moves once.
const PROMOTE = `
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
for _, job in ipairs(due) do
  redis.call('XADD', KEYS[2], '*', 'job', job)
  redis.call('ZREM', KEYS[1], job)
end
return #due`;

type Entry = [id: string, fields: string[]];
const GROUP = "push-workers";

export function redisPushQueue(redis: Redis, o: RedisQueueOptions): PushQueue {
  const prefix = o.prefix ?? "chat:push";
  const stream = `${prefix}:jobs`;
  const delayedKey = `${prefix}:delayed`;
  const consumer = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const held = new Map<string, { job: PushJob; abort: AbortController; done: Promise<void>; released: boolean }>();
  const timers: NodeJS.Timeout[] = [];
  let reader: Redis | null = null;
  let handler: JobHandler | null = null;
  let stopping = false;
  let loop: Promise<void> = Promise.resolve();
  let slotFreed: (() => void) | null = null;

  async function ensureGroup() {
    await redis.call("XGROUP", "CREATE", stream, GROUP, "0", "MKSTREAM").catch((err: Error) => {
      if (!/BUSYGROUP/.test(err.message)) throw err;
    });
  }

  async function exec(m: ReturnType<Redis["multi"]>) {
    const results = await m.exec();
    const failed = results?.find(([err]) => err);
    if (!results || failed) throw failed?.[0] ?? new Error("MULTI aborted");
  }

  function take([id, fields]: Entry) {
    if (held.has(id)) return; // ours and still running (a takeover raced our heartbeat)
    const text = fields[fields.indexOf("job") + 1];
    const job = text === undefined ? null : parseJob(text);
    if (!job) {
      o.log.error({ entry: id }, "push queue: unreadable entry dropped");
      void exec(redis.multi().xack(stream, GROUP, id).xdel(stream, id)).catch(() => {});
      return;
    }
    const abort = new AbortController();
    const entry = { job, abort, released: false, done: Promise.resolve() };
    entry.done = handler!(job, abort.signal)
      .then(
        (result) => finish(id, entry, result),
        // Left pending: another node (or this one) takes it over after the idle time.
        (err: unknown) => o.log.error({ err, job: job.id }, "push job failed unexpectedly; it will be taken over later"),
      )
      .finally(() => {
        held.delete(id);
        slotFreed?.();
      });
    held.set(id, entry);
  }

  async function finish(id: string, entry: { released: boolean }, r: JobResult) {
    if (entry.released) return; // handed back at shutdown
    const m = redis.multi();
    for (const job of r.next ?? []) m.xadd(stream, "*", "job", JSON.stringify(job));
    if (r.retry) m.zadd(delayedKey, Date.now() + r.retry.delayMs, JSON.stringify(r.retry.job));
    m.xack(stream, GROUP, id).xdel(stream, id);
    await exec(m).catch((err: unknown) => o.log.error({ err, entry: id }, "push queue: outcome not recorded; the job will be taken over and may be sent again"));
  }

  async function readLoop() {
    let failing = false;
    while (!stopping) {
      const free = o.concurrency - held.size;
      if (free <= 0) {
        await new Promise<void>((r) => (slotFreed = r));
        slotFreed = null;
        continue;
      }
      try {
        const res = (await reader!.call("XREADGROUP", "GROUP", GROUP, consumer, "COUNT", free, "BLOCK", 2000, "STREAMS", stream, ">")) as [string, Entry[]][] | null;
        if (stopping) break; // read during stop: handed back by stop()
        failing = false;
        for (const [, entries] of res ?? []) for (const e of entries) take(e);
      } catch (err) {
        if (stopping) break;
        if (/NOGROUP/.test((err as Error).message)) await ensureGroup().catch(() => {});
        else if (!failing) o.log.warn({ err: (err as Error).message }, "push queue: read failed; retrying every second");
        failing = true;
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  }

  const every = (ms: number, what: string, fn: () => Promise<unknown>) => {
    // Redis being away fails these every few hundred ms: say so once, and once more when it works again.
    let failing = false;
    const t = setInterval(
      () =>
        void fn().then(
          () => {
            if (failing) o.log.info(`push queue: ${what} works again`);
            failing = false;
          },
          (err: Error) => {
            if (!failing) o.log.warn({ err: err.message }, `push queue: ${what} failed`);
            failing = true;
          },
        ),
      ms,
    );
    t.unref();
    timers.push(t);
  };

  async function reclaim() {
    const free = o.concurrency - held.size;
    if (free <= 0 || stopping) return;
    const res = (await redis.call("XAUTOCLAIM", stream, GROUP, consumer, o.claimIdleMs, "0-0", "COUNT", free)) as [string, Entry[], string[]?];
    for (const e of res[1] ?? []) if (e && !stopping) take(e);
  }

  async function heartbeat() {
    const ids = [...held.entries()].filter(([, e]) => !e.released).map(([id]) => id);
    if (ids.length) await redis.call("XCLAIM", stream, GROUP, consumer, 0, ...ids, "JUSTID");
  }

  /** Consumers left by nodes that are gone, once they hold nothing (each restart is a new consumer). */
  async function forgetDeadConsumers() {
    const rows = (await redis.call("XINFO", "CONSUMERS", stream, GROUP)) as unknown[][];
    for (const row of rows) {
      const info = new Map<string, unknown>();
      for (let i = 0; i + 1 < row.length; i += 2) info.set(String(row[i]), row[i + 1]);
      const name = String(info.get("name"));
      if (name !== consumer && Number(info.get("pending")) === 0 && Number(info.get("idle")) > Math.max(3600_000, o.claimIdleMs * 10)) {
        await redis.call("XGROUP", "DELCONSUMER", stream, GROUP, name);
      }
    }
  }

  /** Puts jobs this node holds back on the stream as new entries, for any node, and drops its claim on them. */
  async function handBack(entries: [string, PushJob][]) {
    if (entries.length === 0) return;
    const m = redis.multi();
    for (const [id, job] of entries) m.xadd(stream, "*", "job", JSON.stringify(job)).xack(stream, GROUP, id).xdel(stream, id);
    await exec(m);
  }

  /** Entries delivered to this consumer that it never took (a read that returned as it stopped): handed back too. */
  async function handBackStray() {
    const pending = (await redis.call("XPENDING", stream, GROUP, "-", "+", 1000, consumer)) as [string, ...unknown[]][];
    const stray: [string, PushJob][] = [];
    for (const [id] of pending) {
      const [entry] = (await redis.xrange(stream, id, id)) as Entry[];
      const text = entry?.[1][entry[1].indexOf("job") + 1];
      const job = text === undefined ? null : parseJob(text);
      if (job) stray.push([id, job]);
      else await exec(redis.multi().xack(stream, GROUP, id).xdel(stream, id));
    }
    await handBack(stray);
  }

  return {
    kind: "redis",
    async enqueue(jobs: PushJob[]) {
      if (jobs.length === 0) return;
      const m = redis.multi();
      for (const job of jobs) m.xadd(stream, "*", "job", JSON.stringify(job));
      await exec(m);
    },
    start(h) {
      handler = h;
      reader = redis.duplicate({ connectionName: "push-reader" });
      reader.on("error", () => {}); // the app client logs Redis errors; this one would repeat them
      loop = ensureGroup()
        .catch((err: Error) => o.log.warn({ err: err.message }, "push queue: consumer group not created yet"))
        .then(readLoop);
      const promoteMs = o.promoteEveryMs ?? 250;
      every(promoteMs, "moving due retries", () => redis.eval(PROMOTE, 2, delayedKey, stream, Date.now(), 100));
      every(Math.max(500, Math.floor(o.claimIdleMs / 2)), "taking over idle jobs", reclaim);
      every(Math.max(500, Math.floor(o.claimIdleMs / 3)), "refreshing jobs in hand", heartbeat);
      every(10 * 60_000, "forgetting dead consumers", forgetDeadConsumers);
    },
    async stop() {
      if (stopping) return;
      stopping = true;
      if (!handler) return; // never started: nothing in hand
      for (const t of timers.splice(0)) clearInterval(t);
      reader?.disconnect(); // ends the blocking read now
      slotFreed?.();
      await loop;
      const grace = new Promise<void>((r) => setTimeout(r, o.graceMs).unref());
      await Promise.race([Promise.all([...held.values()].map((e) => e.done)), grace]);
      // Past the grace: abort what is left and hand it back to the stream at once, for
      // another node, rather than leaving it to wait out the idle time.
      const left = [...held.entries()];
      for (const [, e] of left) {
        e.released = true; // whatever it still answers is ignored
        e.abort.abort(new Error("push queue stopping"));
      }
      await handBack(left.map(([id, e]) => [id, e.job]))
        .then(handBackStray)
        .catch((err: unknown) => o.log.warn({ err }, "push queue: jobs in hand not handed back; they will be taken over after the idle time"));
    },
    async depth() {
      const [len, delayed] = await Promise.all([redis.xlen(stream), redis.zcard(delayedKey)]);
      return len + delayed;
    },
  };
}
