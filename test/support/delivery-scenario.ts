// One delivery scenario: a group of receivers (WebSocket and polling) behind nginx, a
// steady sender that retries unacked sends with the same client_message_id, and a
// disruption in the middle. At the end every acked message must be at every receiver
// exactly once (after dedupe by id), the conversation's seq must run 1..N without a gap,
// and no client_message_id may have been stored twice.
import assert from "node:assert/strict";
import { io } from "socket.io-client";
import type { Message } from "../../src/contract/models.ts";
import { request, type ChatClient } from "./clients.ts";
import type { Cluster } from "./cluster.ts";
import { buildGroup, buildUser, type TestUser } from "./factories.ts";
import { ResilientClient } from "./resilient-client.ts";
import { sleep, until, waitFor } from "./wait.ts";

export interface ScenarioResult {
  acked: number;
  retries: number;
  receivers: number;
  checked: number; // acked messages × receivers, all verified
  recovered: number;
  notRecovered: number;
  fromSync: number;
  fromGapFill: number;
  rawDuplicates: number;
  reconnectMsMax: number;
}

async function sendReliably(sender: ChatClient, groupId: string, cmid: string, stats: { retries: number }) {
  const deadline = Date.now() + 60_000;
  // What the last attempts met, so a send that never gets through says why.
  const seen: string[] = [];
  for (let attempt = 0; Date.now() < deadline; attempt++) {
    if (attempt > 0) stats.retries++;
    try {
      if (!sender.connected) throw new Error("not connected");
      const res = await request(sender, "send_message", { chat_id: groupId, client_message_id: cmid, text: `msg ${cmid}` }, 2000);
      if (res.ok) return res.message;
      seen.push(res.error.code);
    } catch (err) {
      /* lost ack or no connection: retry with the same client_message_id */
      seen.push((err as Error).message);
    }
    // The sender's backoff between retries (part of the client being modelled, not a wait).
    await sleep(Math.min(100 * (attempt + 1), 500));
  }
  throw new Error(`send ${cmid} never acked; last answers: ${seen.slice(-5).join(" | ")}`);
}

export async function runScenario(cluster: Cluster, disrupt: () => Promise<void>, opts: { sendMs?: number; receivers?: number } = {}): Promise<ScenarioResult> {
  const owner = await buildUser(cluster.api);
  const members: TestUser[] = [];
  for (let i = 0; i < (opts.receivers ?? 6); i++) members.push(await buildUser(cluster.api));
  const groupId = await buildGroup(cluster.api, owner, members);
  const receivers = members.map(
    (m, i) => new ResilientClient(cluster.url, "groups", m.token, cluster.api, (id) => `/api/messages/${id}/history`, i % 3 === 2 ? ["polling"] : ["websocket"]),
  );
  await Promise.all(receivers.map((r) => r.ready()));
  const sender = io(`${cluster.url}/groups`, {
    auth: { token: owner.token },
    transports: ["websocket"],
    query: { sticky: "sender" },
    reconnectionDelay: 100,
    reconnectionDelayMax: 1000,
    forceNew: true,
  }) as ChatClient;
  try {
    return await drive(cluster, disrupt, opts, { owner, groupId, receivers, sender });
  } finally {
    // Always stop reconnecting clients, or a failed assertion leaves the test process running.
    sender.close();
    receivers.forEach((r) => r.close());
  }
}

async function drive(
  cluster: Cluster,
  disrupt: () => Promise<void>,
  opts: { sendMs?: number },
  { owner, groupId, receivers, sender }: { owner: TestUser; groupId: string; receivers: ResilientClient[]; sender: ChatClient },
): Promise<ScenarioResult> {
  await new Promise<void>((resolve) => sender.once("connect", () => resolve()));

  const acked = new Map<string, Message>();
  const stats = { retries: 0 };
  let stop = false;
  let n = 0;
  const loop = (async () => {
    while (!stop) {
      const m = await sendReliably(sender, groupId, `m-${++n}`, stats);
      acked.set(m.id, m);
      await sleep(20); // the steady sender's pace (the load's shape, not a wait)
    }
  })();

  // Traffic flows before the disruption: messages acked and reaching every receiver.
  await waitFor(() => acked.size >= 20 && receivers.every((r) => r.messages.size > 0), "traffic to flow before the disruption", 10_000);
  await disrupt();
  await sleep(opts.sendMs ?? 2500); // how long the sender keeps sending through and after the disruption (the load's shape)
  stop = true;
  await loop;
  // A last message after everything has settled: a receiver that missed a tail sees the gap.
  const fence = await sendReliably(sender, groupId, "fence", stats);
  acked.set(fence.id, fence);

  const complete = (r: ResilientClient) => {
    const seqs = [...r.messages.values()].filter((m) => m.conversation_id === groupId).map((m) => m.seq!);
    return [...acked.keys()].every((id) => r.messages.has(id)) && new Set(seqs).size === Math.max(0, ...seqs);
  };
  await until(() => receivers.every(complete), 30_000, 100); // the assertions below say what is missing
  await Promise.all(receivers.map((r) => r.settled()));

  for (const [i, r] of receivers.entries()) {
    const missing = [...acked.keys()].filter((id) => !r.messages.has(id));
    assert.deepEqual(missing, [], `receiver ${i} (${r.socket.io.opts.transports?.join()}) missed ${missing.length} acked messages`);
    const seqs = [...r.messages.values()].filter((m) => m.conversation_id === groupId).map((m) => m.seq!).sort((a, b) => a - b);
    seqs.forEach((s, k) => assert.equal(s, k + 1, `receiver ${i}: seq ${k + 1} missing or duplicated`));
  }

  // Stored history: seq 1..N, every client_message_id once.
  const stored: Message[] = [];
  for (let after = 0; ; ) {
    const res = await cluster.api.get(`/api/messages/${groupId}/history?after_seq=${after}&limit=200`, owner.token);
    assert.equal(res.status, 200);
    stored.push(...res.body.messages);
    if (res.body.messages.length < 200) break;
    after = stored[stored.length - 1]!.seq!;
  }
  stored.forEach((m, k) => assert.equal(m.seq, k + 1, "stored seq has a gap"));
  const live = stored.filter((m) => !m.deleted);
  assert.equal(new Set(live.map((m) => m.client_message_id)).size, live.length, "a client_message_id was stored twice");
  assert.equal(live.length, acked.size, "stored messages and acked messages differ");

  const sum = (f: (r: ResilientClient) => number) => receivers.reduce((a, r) => a + f(r), 0);
  const result: ScenarioResult = {
    acked: acked.size,
    retries: stats.retries,
    receivers: receivers.length,
    checked: acked.size * receivers.length,
    recovered: sum((r) => r.stats.recovered),
    notRecovered: sum((r) => r.stats.notRecovered),
    fromSync: sum((r) => r.stats.fromSync),
    fromGapFill: sum((r) => r.stats.fromGapFill),
    rawDuplicates: sum((r) => r.stats.rawDuplicates),
    reconnectMsMax: Math.max(0, ...receivers.flatMap((r) => r.reconnectTimes)),
  };
  return result;
}
