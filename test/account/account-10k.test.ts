// The 10k-message account (issue 15): export and deletion times, archive size, peak memory
// (the server runs in this process: rss and heapUsed sampled every 10 ms). Prints the figures
// (docs/PERFORMANCE.md keeps them) and checks the shape: every message exported, every one
// tombstoned in pages, the partner's history keeping its seqs.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { newId } from "../../src/shared/ids.ts";
import { messagePaths, stopWhenDrained } from "../support/conversations.ts";
import { buildCouple } from "../support/factories.ts";
import { startStack, type Stack } from "../support/stack.ts";
import { lines, readTar } from "./tar-reader.ts";

const N = Number(process.env.ACCOUNT_10K_MESSAGES ?? 10_000);
const DB = (process.env.ACCOUNT_10K_DB ?? "sqlite") as "sqlite" | "ferretdb";
let stack: Stack;
before(async () => {
  stack = await startStack({ db: DB });
});
after(() => stopWhenDrained(stack));

function sampler() {
  const base = process.memoryUsage();
  let rss = base.rss;
  let heap = base.heapUsed;
  const t = setInterval(() => {
    const m = process.memoryUsage();
    rss = Math.max(rss, m.rss);
    heap = Math.max(heap, m.heapUsed);
  }, 10);
  return () => {
    clearInterval(t);
    return { rssMB: +(rss / 2 ** 20).toFixed(1), heapMB: +(heap / 2 ** 20).toFixed(1), rssGrowthMB: +((rss - base.rss) / 2 ** 20).toFixed(1), heapGrowthMB: +((heap - base.heapUsed) / 2 ** 20).toFixed(1) };
  };
}

describe(`an account with ${N} messages (${DB})`, () => {
  it("exports and deletes it in pages, with bounded memory", { timeout: 900_000 }, async () => {
    const { a, b, chatId } = await buildCouple(stack.api);
    const s = stack.server.app.services;
    const key = `couple:${chatId}`;
    const card = { id: a.id, username: a.username, display_name: a.display_name, avatar_url: null };
    const bCard = { id: b.id, username: b.username, display_name: b.display_name, avatar_url: null };
    const t0 = performance.now();
    for (let i = 0; i < N; i++) {
      const mine = i % 10 !== 9; // 90% from a, 10% from b
      await s.storage.messages.append({
        id: newId(), conversation_key: key, client_message_id: `k-${i}`, sender_id: mine ? a.id : b.id, sender: mine ? card : bCard,
        text: `message ${i} ${"lorem ipsum dolor sit amet ".repeat(3)}`, kind: "text", media: null, sticker: null, reply_to: null, mode: null, created_at: new Date(),
      });
    }
    const seeded = performance.now() - t0;
    console.log(`ACCOUNT_10K seeded ${N} in ${Math.round(seeded)} ms`);

    global.gc?.();
    let stop = sampler();
    let t = performance.now();
    const res = await fetch(stack.url + "/api/users/me/export", { headers: { authorization: `Bearer ${a.token}` } });
    assert.equal(res.status, 200);
    const body = Buffer.from(await res.arrayBuffer());
    const exportMs = performance.now() - t;
    const exportMem = stop();
    console.log(`ACCOUNT_10K exported in ${Math.round(exportMs)} ms`);
    assert.equal(lines(readTar(body).get("messages.jsonl")).length, N);

    global.gc?.();
    stop = sampler();
    t = performance.now();
    const del = await stack.api.call("DELETE", "/api/users/me", { token: a.token, json: { password: a.password } });
    assert.equal(del.status, 202);
    const answeredMs = performance.now() - t;
    await s.accountDeletion.idle();
    const deleteMs = performance.now() - t;
    const deleteMem = stop();
    const job = await s.storage.accountDeletions.job(a.id);
    if (!job?.finished_at) {
      console.log(`ACCOUNT_10K unfinished job ${JSON.stringify(job)}`);
      await s.storage.accountDeletions.tombstoneMessagesOf(a.id, job?.cursor ?? null, 500, { id: a.id, username: "x", display_name: "Deleted user", avatar_url: null }, new Date());
    }
    assert.ok(job?.finished_at);

    const history = await s.storage.messages.after(key, 0, N + 10);
    assert.deepEqual(history.map((m) => m.seq), Array.from({ length: N }, (_, i) => i + 1));
    assert.ok(history.filter((m) => m.sender_id === a.id).every((m) => m.deleted && m.text === "" && m.sender.display_name === "Deleted user"));
    assert.ok(history.filter((m) => m.sender_id === b.id).every((m) => !m.deleted));
    assert.ok((await stack.api.get(messagePaths("couple", chatId).latest(5), b.token)).body.messages.every((m: any) => m.sender.id !== a.id || m.deleted));

    const figures = {
      db: DB, messages: N, own_messages: history.filter((m) => m.sender_id === a.id).length, seed_ms: Math.round(seeded),
      export_ms: Math.round(exportMs), archive_bytes: body.length, export_memory: exportMem,
      delete_answer_ms: Math.round(answeredMs), delete_total_ms: Math.round(deleteMs), delete_memory: deleteMem,
    };
    console.log(`ACCOUNT_10K ${JSON.stringify(figures)}`);
  });
});
