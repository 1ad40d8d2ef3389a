// Pushes in a real cluster: two `node main.ts` processes, FerretDB, Redis and nginx
// (test/support/cluster.ts), sharing one Redis Streams push queue. A user connected to the
// other node gets no push (presence is cluster-wide); one message is one push however many
// nodes run; pushes queued and in hand on a node that is SIGKILLed are each still delivered
// exactly once (taken over after PUSH_CLAIM_IDLE_MS); and a push service that hangs does not
// change how fast sends are acknowledged.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Redis } from "ioredis";
import { connectAs, requestOk } from "../support/clients.ts";
import { startCluster, type Cluster } from "../support/cluster.ts";
import { buildUser, dmIdOf, type TestUser } from "../support/factories.ts";
import { api } from "../support/http.ts";
import { startPushService, type PushService } from "../support/push-service.ts";
import { sleep, waitFor } from "../support/wait.ts";
import { pushEnv, subscribeWebPush } from "./push-helpers.ts";

let push: PushService;
let cluster: Cluster;
before(async () => {
  push = await startPushService();
  cluster = await startCluster({ nodes: 2, env: pushEnv(push, undefined, { PUSH_CLAIM_IDLE_MS: "3000", PUSH_REQUEST_TIMEOUT_MS: "4000" }) });
});
after(async () => {
  await cluster?.stop();
  await push?.stop();
});

const dm = async (from: TestUser, to: TestUser, text: string, node = 0) => {
  const res = await api(cluster.nodes[node]!.url).post(`/api/dm/${encodeURIComponent(dmIdOf(from, to))}/message`, { text }, from.token);
  assert.equal(res.status, 201, JSON.stringify(res.body));
};

/** How many push jobs the node with this pid has in hand (its consumer's pending entries). */
async function jobsHeldBy(pid: number): Promise<number> {
  const redis = new Redis(cluster.redis.url);
  try {
    const rows = (await redis.call("XINFO", "CONSUMERS", "chat:push:jobs", "push-workers")) as unknown[][];
    const info = rows.map((r) => Object.fromEntries(Array.from({ length: r.length / 2 }, (_, i) => [String(r[2 * i]), r[2 * i + 1]])));
    return info.filter((c) => String(c.name).split(":")[1] === String(pid)).reduce((n, c) => n + Number(c.pending), 0);
  } finally {
    redis.disconnect();
  }
}

describe("pushes in a two-node cluster", () => {
  it("signs with one VAPID key on every node", async () => {
    const [k0, k1] = await Promise.all(cluster.nodes.map(async (n) => (await api(n.url).get("/api/push/vapid-public-key")).body.public_key));
    assert.equal(k0, k1);
  });

  it("sends nothing to a user connected to the other node, and exactly one push once they are gone", async () => {
    const a = await buildUser(cluster.api);
    const b = await buildUser(cluster.api);
    const { subscription } = await subscribeWebPush(cluster.api, push, b.token);
    const socket = await connectAs(cluster.nodes[1]!.url, "dm", b.token);
    await sleep(200);
    push.clear();
    await dm(a, b, "you are on node 2", 0);
    await sleep(1500);
    assert.equal(push.received.filter((p) => p.endpoint === subscription.endpoint).length, 0);
    socket.disconnect();
    await sleep(1000); // node 2 handles the disconnect (presence) before the next send
    await dm(a, b, "now you are not", 0);
    const [p] = await push.waitForPushes(1, 10_000);
    assert.equal((p!.payload as any).preview, "now you are not");
    await sleep(1500);
    assert.equal(push.received.length, 1, "one push with two nodes running");
  });

  it("does not slow socket sends down when the push service hangs", async () => {
    const a = await buildUser(cluster.api);
    const b = await buildUser(cluster.api);
    await subscribeWebPush(cluster.api, push, b.token);
    const socket = await connectAs(cluster.url, "dm", a.token);
    const chat_id = dmIdOf(a, b);
    const median = async (label: string) => {
      const ms: number[] = [];
      for (let i = 0; i < 20; i++) {
        const t = performance.now();
        await requestOk(socket, "send_message", { chat_id, text: `${label} ${i}`, client_message_id: `${label}-${i}` });
        ms.push(performance.now() - t);
      }
      return ms.sort((x, y) => x - y)[10]!;
    };
    const normal = await median("normal");
    push.setBehaviour("*", { hang: true });
    const hanging = await median("hanging");
    push.setBehaviour("*", null);
    socket.disconnect();
    // A send that waited on the push would take the request timeout (4 s); noise on a loaded machine is tens of ms.
    assert.ok(hanging < Math.max(normal * 2, normal + 50), `median ack ${hanging.toFixed(1)} ms with a hanging push service, ${normal.toFixed(1)} ms without`);
  });

  it("delivers each push exactly once when a node holding them is SIGKILLed", async () => {
    // Let the previous test's hung pushes time out and go out first.
    await sleep(5000);
    push.clear();
    const a = await buildUser(cluster.api);
    const recipients = await Promise.all(Array.from({ length: 8 }, () => buildUser(cluster.api)));
    const endpoints = new Map<string, string>();
    for (const r of recipients) endpoints.set((await subscribeWebPush(cluster.api, push, r.token)).subscription.endpoint, r.id);
    push.setBehaviour("*", { hang: true });
    await Promise.all(recipients.map((r, i) => dm(a, r, `to ${r.id}`, i % 2)));
    // Every push is in hand somewhere: its request hangs at the push service.
    await waitFor(() => push.attempts.length >= recipients.length, "every push to reach the push service", 10_000);
    const held = await jobsHeldBy(cluster.nodes[0]!.process.pid!);
    assert.ok(held > 0, "the node to be killed holds some of the pushes");
    await cluster.kill(0, "SIGKILL");
    push.setBehaviour("*", null);
    const got = await push.waitForPushes(recipients.length, 30_000);
    await sleep(4000); // anything sent twice would arrive by now
    assert.equal(push.received.length, recipients.length, `exactly once each: ${push.received.length} pushes for ${recipients.length}`);
    assert.deepEqual(got.map((p) => endpoints.get(p.endpoint)).sort(), recipients.map((r) => r.id).sort());
    for (const p of got) assert.equal((p.payload as any).preview, `to ${endpoints.get(p.endpoint)}`);
  });
});
