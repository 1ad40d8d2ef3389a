// Operations: slow consumers are cut off, metrics are exported, readiness reflects deps.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { buildGroup, buildUser } from "../support/factories.ts";
import { startStack, type Stack } from "../support/stack.ts";
import { waitFor } from "../support/wait.ts";

let stack: Stack;
before(async () => {
  stack = await startStack({ redis: true, env: { SOCKET_MAX_BUFFERED_PACKETS: "20" } });
});
after(() => stack?.stop());

describe("backpressure", () => {
  it("cuts off a polling client that stops reading, instead of buffering for ever", async () => {
    const owner = await buildUser(stack.api);
    const stalled = await buildUser(stack.api);
    const groupId = await buildGroup(stack.api, owner, [stalled]);
    // A raw Engine.IO polling session that connects to /groups, reads until the server says
    // the socket is set up (its `session` event: rooms joined), and then never polls again.
    const open = await (await fetch(`${stack.url}/socket.io/?EIO=4&transport=polling`)).text();
    const sid = JSON.parse(open.slice(1)).sid as string;
    const pollUrl = `${stack.url}/socket.io/?EIO=4&transport=polling&sid=${sid}`;
    const post = await fetch(pollUrl, { method: "POST", body: `40/groups,${JSON.stringify({ token: stalled.token })}` });
    assert.equal(post.status, 200);
    let received = "";
    await waitFor(async () => (received += await (await fetch(pollUrl)).text()).includes('42/groups,["session"'), "the /groups socket to be set up", 10_000, 0);
    for (let i = 0; i < 40; i++) await stack.api.post(`/api/messages/${groupId}`, { text: `m${i}` }, owner.token);
    // The guard sweeps every second; it counts each client it cuts off.
    const slowCut = async () => /chat_slow_clients_disconnected_total \d*[1-9]/.test(await (await fetch(`${stack.url}/metrics`)).text());
    await waitFor(slowCut, "the slow-consumer guard to cut a client off", 5000, 100);
    const poll = await fetch(pollUrl);
    assert.equal(poll.status, 400, "the stalled session should be gone");
  });
});

describe("metrics and readiness", () => {
  it("exports the realtime metrics in Prometheus format", async () => {
    const text = await (await fetch(`${stack.url}/metrics`)).text();
    for (const name of ["chat_sockets_connected", "chat_socket_events_in_total", "chat_events_out_total", "chat_ack_latency_seconds", "chat_reconnects_total", "chat_sync_requests_total", "chat_adapter_errors_total", "process_cpu_seconds_total"]) {
      assert.match(text, new RegExp(`# TYPE ${name} `), name);
    }
  });

  it("/readyz turns 503 when Redis is down and 200 when it is back", async () => {
    assert.equal((await fetch(`${stack.url}/readyz`)).status, 200);
    await stack.redis!.stop();
    const down = await fetch(`${stack.url}/readyz`);
    assert.equal(down.status, 503);
    assert.equal((await down.json()).checks.redis, "down");
    await stack.redis!.restart();
    await waitFor(async () => (await fetch(`${stack.url}/readyz`)).status === 200, "/readyz to say 200 again", 5000, 100);
  });
});
