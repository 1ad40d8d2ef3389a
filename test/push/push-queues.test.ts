// The two push queues' contract, on their own: the Redis Streams queue against a real Redis
// (each job worked by exactly one of several nodes; retries that outlive the node that
// scheduled them; a SIGKILLed node's jobs taken over; a graceful stop handing jobs back at
// once; a slow job not taken over while its node lives), and the in-process queue (bounded
// memory, spilling to disk in order, saving what it holds at a stop for the next start).
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import { createLogger } from "../../src/infra/logger.ts";
import { memoryPushQueue } from "../../src/push/memory-push-queue.ts";
import type { PushJob } from "../../src/push/push-jobs.ts";
import type { JobHandler, PushQueue } from "../../src/push/push-queue.ts";
import { redisPushQueue } from "../../src/push/redis-push-queue.ts";
import { SpillFile } from "../../src/push/spill-file.ts";
import { startRedis, type TestRedis } from "../support/redis-server.ts";
import { sleep, waitFor } from "../support/wait.ts";

const log = createLogger("silent");
const job = (n: number): PushJob => ({ type: "fanout", id: `job-${n}-${randomUUID()}`, attempt: 1, event: { kind: "partner_request", sender: { id: String(n) }, recipient_id: "r" } });
const numberOf = (j: PushJob) => Number(j.id.split("-")[1]);

describe("Redis push queue", () => {
  let redis: TestRedis;
  const clients: Redis[] = [];
  const queues: PushQueue[] = [];
  before(async () => {
    redis = await startRedis();
  });
  after(async () => {
    await Promise.all(queues.map((q) => q.stop()));
    for (const c of clients) c.disconnect();
    await redis.stop();
  });
  function node(prefix: string, handler: JobHandler, opts: { claimIdleMs?: number; graceMs?: number; concurrency?: number } = {}) {
    const client = new Redis(redis.url);
    clients.push(client);
    const q = redisPushQueue(client, { concurrency: opts.concurrency ?? 8, claimIdleMs: opts.claimIdleMs ?? 60_000, graceMs: opts.graceMs ?? 1000, log, prefix, promoteEveryMs: 50 });
    queues.push(q);
    q.start(handler);
    return q;
  }

  /** A queue on the same keys that only enqueues (works nothing). */
  function producer(prefix: string) {
    const client = new Redis(redis.url);
    clients.push(client);
    return redisPushQueue(client, { concurrency: 1, claimIdleMs: 60_000, graceMs: 0, log, prefix });
  }

  it("gives each job to exactly one of three nodes", async () => {
    const prefix = `t1-${randomUUID()}`;
    const seen: { node: number; n: number }[] = [];
    const nodes = [0, 1, 2].map((i) => node(prefix, async (j) => (seen.push({ node: i, n: numberOf(j) }), await sleep(5), {})));
    await nodes[0]!.enqueue(Array.from({ length: 150 }, (_, i) => job(i)));
    await waitFor(() => seen.length >= 150, "150 jobs worked");
    await sleep(300);
    assert.equal(seen.length, 150, "no job twice");
    assert.deepEqual([...new Set(seen.map((s) => s.n))].sort((a, b) => a - b), Array.from({ length: 150 }, (_, i) => i));
    assert.ok(new Set(seen.map((s) => s.node)).size >= 2, "the work is shared");
    await waitFor(async () => (await nodes[0]!.depth()) === 0, "an empty queue");
  });

  it("queues a job's follow-ups and its retry atomically with its ack, and a retry outlives the node that scheduled it", async () => {
    const prefix = `t2-${randomUUID()}`;
    const attempts: { node: string; at: number; attempt: number }[] = [];
    const a = node(
      prefix,
      async (j) => {
        attempts.push({ node: "a", at: Date.now(), attempt: j.attempt });
        // The follow-up, if a takes it before stopping, is held until the stop hands it back.
        if (numberOf(j) !== 1) return new Promise(() => {});
        return { retry: { job: { ...j, id: `job-1-${randomUUID()}`, attempt: j.attempt + 1 }, delayMs: 700 }, next: [job(99)] };
      },
      { graceMs: 50 },
    );
    await a.enqueue([job(1)]);
    await waitFor(() => attempts.length >= 1, "the first attempt");
    await a.stop();
    const b = node(prefix, async (j) => (attempts.push({ node: "b", at: Date.now(), attempt: j.attempt }), {}));
    await waitFor(() => attempts.filter((x) => x.node === "b").length >= 2, "the follow-up and the retry on b");
    assert.equal(attempts.filter((x) => x.node === "b").length, 2);
    const retry = attempts.find((x) => x.node === "b" && x.attempt === 2)!;
    assert.ok(retry.at - attempts[0]!.at >= 700, `retried after its delay (${retry.at - attempts[0]!.at} ms)`);
    await waitFor(async () => (await b.depth()) === 0, "an empty queue");
  });

  it("takes over the jobs of a node killed while holding them, once they are idle, each once", async () => {
    const prefix = `t3-${randomUUID()}`;
    const fixture = fileURLToPath(new URL("./fixtures/queue-node.ts", import.meta.url));
    const child = spawn(process.execPath, [fixture, redis.url, prefix, "1000"], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    await waitFor(() => out.includes("ready"), "the node to start");
    await producer(prefix).enqueue(Array.from({ length: 20 }, (_, i) => job(i)));
    await waitFor(() => (out.match(/took /g) ?? []).length === 20, "the child to hold all 20");
    await new Promise<void>((resolve) => (child.once("exit", () => resolve()), child.kill("SIGKILL")));
    const seen: number[] = [];
    const started = Date.now();
    node(prefix, async (j) => (seen.push(numberOf(j)), {}), { claimIdleMs: 1000 });
    await waitFor(() => seen.length >= 20, "the survivor to work the 20 jobs", 15_000);
    await sleep(1500);
    assert.deepEqual([...seen].sort((a, b) => a - b), Array.from({ length: 20 }, (_, i) => i), "each once");
    assert.ok(Date.now() - started >= 900, "only after the idle time");
  });

  it("hands the jobs in hand back at a graceful stop, at once, for another node", async () => {
    const prefix = `t4-${randomUUID()}`;
    const a = node(prefix, () => new Promise(() => {}), { graceMs: 100 });
    await a.enqueue([job(1), job(2), job(3)]);
    await sleep(300);
    const seen: number[] = [];
    node(prefix, async (j) => (seen.push(numberOf(j)), {}), { claimIdleMs: 60_000 });
    await sleep(300);
    assert.deepEqual(seen, [], "a held the jobs");
    await a.stop();
    await waitFor(() => seen.length === 3, "b to get the jobs a handed back", 3000);
    assert.deepEqual(seen.sort(), [1, 2, 3]);
  });

  it("does not take over a slow job from a live node (the node keeps it fresh)", async () => {
    const prefix = `t5-${randomUUID()}`;
    const seen: string[] = [];
    const a = node(prefix, async () => (seen.push("a"), await sleep(3000), {}), { claimIdleMs: 1000 });
    node(prefix, async () => (seen.push("b"), {}), { claimIdleMs: 1000 });
    await a.enqueue([job(1)]);
    await sleep(3600);
    assert.equal(seen.length, 1, `worked once: ${seen.join(",")}`);
  });
});

describe("in-process push queue", () => {
  const dir = mkdtempSync(join(tmpdir(), "push-queue-"));

  it("keeps at most PUSH_QUEUE_MAX_JOBS in memory, spills the rest to disk, and works them all in order", async () => {
    const spill = new SpillFile(join(dir, "spill-1.jsonl"), log);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const order: number[] = [];
    const q = memoryPushQueue({ concurrency: 1, maxJobs: 10, graceMs: 100, spill, log });
    q.start(async (j) => {
      await gate;
      order.push(numberOf(j));
      return {};
    });
    for (let i = 0; i < 60; i++) await q.enqueue([job(i)]);
    assert.equal(await q.depth(), 60);
    assert.equal(spill.pending, 50, "10 in memory, 50 on disk");
    assert.ok(existsSync(spill.path));
    release();
    await waitFor(() => order.length === 60, "all 60 worked");
    assert.deepEqual(order, Array.from({ length: 60 }, (_, i) => i), "in arrival order");
    assert.equal(existsSync(spill.path), false, "the spill file is gone once read back");
    await q.stop();
  });

  it("retries after the delay, and saves waiting and delayed jobs at a stop for the next start", async () => {
    const file = join(dir, "spill-2.jsonl");
    const seen: { n: number; attempt: number; at: number }[] = [];
    const q1 = memoryPushQueue({ concurrency: 4, maxJobs: 100, graceMs: 100, spill: new SpillFile(file, log), log });
    q1.start(async (j) => {
      seen.push({ n: numberOf(j), attempt: j.attempt, at: Date.now() });
      return j.attempt === 1 ? { retry: { job: { ...j, attempt: 2 }, delayMs: j.id.startsWith("job-1-") ? 200 : 1500 } } : {};
    });
    const t0 = Date.now();
    await q1.enqueue([job(1), job(2)]);
    await waitFor(() => seen.some((s) => s.n === 1 && s.attempt === 2), "job 1's retry");
    assert.ok(seen.find((s) => s.n === 1 && s.attempt === 2)!.at - t0 >= 200);
    await q1.stop(); // job 2's retry is still delayed
    await q1.enqueue([job(3)]); // after the stop: to disk
    assert.equal(new SpillFile(file, log).pending, 2);
    const q2 = memoryPushQueue({ concurrency: 4, maxJobs: 100, graceMs: 100, spill: new SpillFile(file, log), log });
    const later: { n: number; attempt: number; at: number }[] = [];
    q2.start(async (j) => (later.push({ n: numberOf(j), attempt: j.attempt, at: Date.now() }), {}));
    await waitFor(() => later.length === 2, "both saved jobs worked after the restart", 5000);
    assert.deepEqual(later.map((l) => `${l.n}/${l.attempt}`).sort(), ["2/2", "3/1"]);
    assert.ok(later.find((l) => l.n === 2)!.at - t0 >= 1400, "the delayed retry kept its due time");
    await q2.stop();
  });
});
