// The "latest N" read model: one suite, run against every LatestWindow implementation
// (process memory and a real Redis), so the two cannot drift apart.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import type { Message } from "../../src/contract/models.ts";
import { createLogger } from "../../src/infra/logger.ts";
import { createRedis, type Redis } from "../../src/infra/redis.ts";
import { memoryLatestWindow, redisLatestWindow, type LatestWindow } from "../../src/messaging/latest-window.ts";
import { sentState } from "../../src/messaging/message.dto.ts";
import { startRedis, type TestRedis } from "../support/redis-server.ts";

let server: TestRedis;
let redis: Redis;
before(async () => {
  server = await startRedis();
  redis = createRedis(server.url, createLogger("silent"), "latest-window-test");
});
after(async () => {
  redis.disconnect();
  await server.stop();
});

const IMPLEMENTATIONS: { name: string; create(size: number): LatestWindow }[] = [
  { name: "memory", create: (size) => memoryLatestWindow(size) },
  { name: "redis", create: (size) => redisLatestWindow(redis, size) },
];

function msg(seq: number, text = `message ${seq}`): Message {
  return {
    id: seq.toString(16).padStart(24, "0"),
    conversation_id: "conv",
    conversation_type: "group",
    seq,
    client_message_id: `c-${seq}`,
    sender: { id: "u1", username: "ünïcode_😀", display_name: "Zoë \"quoted\"", avatar_url: null },
    text,
    kind: "text",
    media: null,
    sticker: null,
    reply_to: null,
    ...sentState(),
    reactions: { u2: { emoji: "👍🏽", at: "2026-01-01T00:00:00.000Z", user_id: "u2", username: "bob" } },
    mode: null,
    created_at: new Date(1_700_000_000_000 + seq).toISOString(),
  };
}
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => msg(from + i));
const seqs = (w: { messages: Message[] } | null) => w?.messages.map((m) => m.seq) ?? null;

for (const impl of IMPLEMENTATIONS) {
  describe(`LatestWindow (${impl.name})`, () => {
    const key = () => `conv-${randomUUID()}`;

    it("has no window and version 0 for an unknown conversation", async () => {
      const w = impl.create(5);
      const k = key();
      assert.equal(await w.get(k), null);
      assert.equal(await w.version(k), 0);
    });

    it("fill stores the newest `size` messages, exactly as given", async () => {
      const w = impl.create(3);
      const k = key();
      const messages = range(1, 5);
      await w.fill(k, messages, await w.version(k));
      const got = await w.get(k);
      assert.deepEqual(got?.messages, messages.slice(-3), "JSON round-trips exactly, unicode included");
      assert.equal(got?.version, 0);
      const empty = key();
      await w.fill(empty, [], 0);
      assert.deepEqual(seqs(await w.get(empty)), [], "an empty conversation is cached as empty");
    });

    it("append adds messages in order and keeps only the newest `size`", async () => {
      const w = impl.create(3);
      const k = key();
      await w.fill(k, range(1, 2), 0);
      await w.append(k, msg(3));
      assert.deepEqual(seqs(await w.get(k)), [1, 2, 3]);
      await w.append(k, msg(4));
      await w.append(k, msg(5));
      assert.deepEqual(seqs(await w.get(k)), [3, 4, 5]);
      assert.equal((await w.get(k))?.version, 3, "every append bumps the version");
      const empty = key();
      await w.fill(empty, [], 0);
      await w.append(empty, msg(1));
      assert.deepEqual(seqs(await w.get(empty)), [1], "the first message joins an empty window");
    });

    it("a gap (or a repeat) invalidates the window instead of storing a hole", async () => {
      const w = impl.create(5);
      const gap = key();
      await w.fill(gap, range(1, 3), 0);
      await w.append(gap, msg(5));
      assert.equal(await w.get(gap), null);
      await w.append(gap, msg(6));
      assert.equal(await w.get(gap), null, "nothing is cached until the next fill");

      const repeat = key();
      await w.fill(repeat, range(1, 3), 0);
      await w.append(repeat, msg(3));
      assert.equal(await w.get(repeat), null);
    });

    it("append without a window only bumps the version", async () => {
      const w = impl.create(5);
      const k = key();
      await w.append(k, msg(1));
      assert.equal(await w.get(k), null);
      assert.equal(await w.version(k), 1);
    });

    it("fill is refused when a write happened since its version was read", async () => {
      const w = impl.create(5);
      const k = key();
      const seen = await w.version(k);
      await w.append(k, msg(4)); // a write lands while the reader queries the database
      await w.fill(k, range(1, 3), seen);
      assert.equal(await w.get(k), null, "a stale reader must not store a window missing seq 4");
      await w.fill(k, range(1, 4), await w.version(k));
      assert.deepEqual(seqs(await w.get(k)), [1, 2, 3, 4]);
    });

    it("invalidate drops the window and bumps the version, so in-flight fills are refused", async () => {
      const w = impl.create(5);
      const k = key();
      await w.fill(k, range(1, 3), 0);
      const before = await w.version(k);
      await w.invalidate(k);
      assert.equal(await w.get(k), null);
      assert.equal(await w.version(k), before + 1);
      await w.fill(k, range(1, 3), before);
      assert.equal(await w.get(k), null);
    });

    it("keeps conversations apart", async () => {
      const w = impl.create(5);
      const [k1, k2] = [key(), key()];
      await w.fill(k1, range(1, 2), 0);
      await w.fill(k2, range(1, 4), 0);
      await w.invalidate(k1);
      assert.equal(await w.get(k1), null);
      assert.deepEqual(seqs(await w.get(k2)), [1, 2, 3, 4]);
      assert.equal(await w.version(k2), 0);
    });
  });
}

describe("LatestWindow (memory): bounded", () => {
  it("keeps at most maxConversations, dropping the least recently used", async () => {
    const w = memoryLatestWindow(5, 2);
    await w.fill("a", range(1, 2), 0);
    await w.fill("b", range(1, 2), 0);
    await w.get("a"); // a is now more recent than b
    await w.fill("c", range(1, 2), 0);
    assert.equal(await w.get("b"), null);
    assert.deepEqual(seqs(await w.get("a")), [1, 2]);
    assert.deepEqual(seqs(await w.get("c")), [1, 2]);
  });

  it("a write whose version was evicted still refuses a fill that read before it", async () => {
    const w = memoryLatestWindow(5, 2);
    const seen = await w.version("a"); // a reader starts loading "a" from the database...
    await w.append("a", msg(4)); // ...a write lands...
    await w.append("b", msg(1));
    await w.append("c", msg(1)); // ...and "a" (its version with it) is evicted
    assert.notEqual(await w.version("a"), seen, "a forgotten version does not go back");
    await w.fill("a", range(1, 3), seen);
    assert.equal(await w.get("a"), null, "the stale reader's window (no seq 4) was refused");
    await w.fill("a", range(1, 4), await w.version("a"));
    assert.deepEqual(seqs(await w.get("a")), [1, 2, 3, 4]);
  });

  it("a reader of an evicted conversation with a non-zero version is refused too", async () => {
    const w = memoryLatestWindow(5, 1);
    await w.append("a", msg(1));
    await w.append("a", msg(2));
    const seen = await w.version("a");
    await w.append("a", msg(3));
    await w.append("b", msg(1)); // evicts "a"
    await w.fill("a", range(1, 2), seen);
    assert.equal(await w.get("a"), null);
  });
});
