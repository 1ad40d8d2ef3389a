// SIGTERM while writes are in flight: a REST send and a socket send that the server has
// accepted but not finished (the database is held still, SIGSTOP) when the signal arrives
// both complete, are answered (201, and an ok ack), and are stored; then the process exits 0.
// The server is a real `node main.ts` process, the signal a real SIGTERM.
import assert from "node:assert/strict";
import { connect } from "node:net";
import { after, before, describe, it } from "node:test";
import { request } from "../support/clients.ts";
import { startCluster, type Cluster } from "../support/cluster.ts";
import { buildConversation, cmid, connectReady, type Conversation } from "../support/conversations.ts";
import { api } from "../support/http.ts";
import { waitFor } from "../support/wait.ts";

let cluster: Cluster;
let c: Conversation;
let nodeUrl: string;

before(async () => {
  // Database calls wait (up to 20 s) rather than fail fast while the database is stopped.
  cluster = await startCluster({ nodes: 1, env: { DB_OPERATION_TIMEOUT_MS: "20000", SHUTDOWN_TIMEOUT_MS: "20000" } });
  nodeUrl = cluster.nodes[0]!.url;
  c = await buildConversation(api(nodeUrl), "dm");
});
after(async () => {
  cluster.db.thaw();
  await cluster.stop();
});

async function inFlight(): Promise<number> {
  const text = await (await fetch(`${nodeUrl}/metrics`)).text();
  return Number(/^chat_operations_in_flight (\d+)/m.exec(text)?.[1] ?? NaN);
}

/** True once the port refuses new connections: the server has begun its shutdown. */
function refusesConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, "127.0.0.1");
    s.once("connect", () => (s.destroy(), resolve(false)));
    s.once("error", () => resolve(true));
  });
}

describe("graceful shutdown", () => {
  it("finishes and answers a REST send and a socket send that are in flight when SIGTERM arrives", async () => {
    const node = cluster.nodes[0]!;
    const socket = await connectReady(nodeUrl, "dm", c.a.token);
    const exited = new Promise<number | null>((resolve) => node.process.once("exit", (code) => resolve(code)));

    cluster.db.freeze();
    // Both from a, whose session the handshake has cached: each reaches its operation (and
    // the stopped database) without a read first.
    const socketId = cmid();
    const restId = cmid();
    const acked = request(socket, "send_message", { chat_id: c.id, client_message_id: socketId, text: "sent over the socket" }, 30_000);
    const posted = api(nodeUrl).post(c.paths.post, { client_message_id: restId, text: "sent over REST" }, c.a.token);
    await waitFor(async () => (await inFlight()) === 2, "both sends to be in flight");

    node.process.kill("SIGTERM");
    await waitFor(() => refusesConnections(node.port), "the node to stop accepting connections");
    cluster.db.thaw();

    const [ack, res] = await Promise.all([acked, posted]);
    assert.equal(ack.ok, true, JSON.stringify(ack));
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(await exited, 0, "a clean exit after the drain");
    socket.close();

    await cluster.start(0);
    const latest = await api(nodeUrl).get(c.paths.latest(10), c.a.token);
    assert.equal(latest.status, 200);
    const ids = latest.body.messages.map((m: { client_message_id: string }) => m.client_message_id);
    assert.ok(ids.includes(socketId) && ids.includes(restId), `both stored: ${ids.join(", ")}`);
  });
});
