// The watchdog of the driver's server monitoring (src/storage/mongo/monitor-watchdog.ts):
// a heartbeat outstanding past the driver's own bound restarts the client, a settled one
// never does. The wedge itself is a race in the driver that no test can trigger on demand
// (the kill test's database restart hit it about one run in four), so the client here is
// a stand-in that emits the driver's public heartbeat events.
import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import { describe, it } from "node:test";
import { watchMonitors } from "../../src/storage/mongo/monitor-watchdog.ts";
import { sleep, waitFor } from "../support/wait.ts";

class FakeClient extends EventEmitter {
  calls: string[] = [];
  failConnects = 0;
  async close() {
    this.calls.push("close");
  }
  async connect() {
    this.calls.push("connect");
    if (this.failConnects-- > 0) throw new Error("still down");
    return this;
  }
}

const beat = (awaited = false) => ({ connectionId: "127.0.0.1:1", awaited });
type Client = Parameters<typeof watchMonitors>[0];

describe("MongoDB monitor watchdog", () => {
  it("restarts the client when a heartbeat never settles, and retries a failed reconnect", async () => {
    const client = new FakeClient();
    client.failConnects = 1;
    const events: string[] = [];
    const w = watchMonitors(client as unknown as Client, { connectTimeoutMS: 20, heartbeatFrequencyMS: 1000, checkEveryMs: 20, onEvent: (e) => events.push(e.type) });
    try {
      client.emit("serverHeartbeatStarted", beat());
      await waitFor(() => client.calls.length >= 3, "the client restarted", 5000);
      await sleep(100); // and nothing more once it is connected
      assert.deepEqual(client.calls, ["close", "connect", "connect"]);
      assert.deepEqual(events, ["wedged", "reconnect_failed"]);
    } finally {
      w.stop();
    }
  });

  it("leaves the client alone while heartbeats settle, and gives a streaming one heartbeatFrequencyMS more", async () => {
    const client = new FakeClient();
    const w = watchMonitors(client as unknown as Client, { connectTimeoutMS: 20, heartbeatFrequencyMS: 400, checkEveryMs: 20 });
    try {
      for (let i = 0; i < 5; i++) {
        client.emit("serverHeartbeatStarted", beat());
        await sleep(30);
        client.emit(i % 2 ? "serverHeartbeatSucceeded" : "serverHeartbeatFailed", beat());
      }
      client.emit("serverHeartbeatStarted", beat(true));
      await sleep(200);
      assert.deepEqual(client.calls, []);
    } finally {
      w.stop();
    }
  });
});
