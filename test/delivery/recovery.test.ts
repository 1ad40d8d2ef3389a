// The recovery table (in the style of Centrifugo's recovery tests): each way a client can
// come back ends either fully recovered by connection-state recovery, or with
// recovered=false and /api/events/sync filling the gap: never a silent partial replay.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { buildGroup, buildUser, type TestUser } from "../support/factories.ts";
import { serverSawClose } from "../support/conversations.ts";
import { ResilientClient } from "../support/resilient-client.ts";
import { startStack, type Stack } from "../support/stack.ts";
import { sleep, until, waitFor } from "../support/wait.ts";

const CSR_MAX_DISCONNECTION_MS = 1000;

interface Case {
  name: string;
  /** What happens while the client is away, before it reconnects. */
  whileAway?: (ctx: { stack: Stack; owner: TestUser; client: ResilientClient }) => Promise<void>;
  expectRecovered: boolean;
  adapters: ("memory" | "streams")[];
  /** Stay away until the server's recovery session has expired. */
  outlastSession?: boolean;
}

const cases: Case[] = [
  { name: "back within the window", expectRecovered: true, adapters: ["memory", "streams"] },
  { name: "session expired (away longer than maxDisconnectionDuration)", expectRecovered: false, adapters: ["memory", "streams"], outlastSession: true },
  {
    name: "offset trimmed out of the stream",
    expectRecovered: false,
    adapters: ["streams"],
    // STREAM_MAX_LEN=100: a few hundred broadcasts elsewhere push the client's offset out.
    whileAway: async ({ stack, owner }) => {
      const noise = await buildUser(stack.api);
      const other = await buildGroup(stack.api, owner, [noise]);
      for (let batch = 0; batch < 15; batch++) {
        await Promise.all(Array.from({ length: 20 }, (_, i) => stack.api.post(`/api/messages/${other}`, { text: `noise ${batch}-${i}` }, owner.token)));
      }
    },
  },
  {
    name: "invalid pid",
    expectRecovered: false,
    adapters: ["memory", "streams"],
    whileAway: async ({ client }) => {
      (client.socket as unknown as { _pid: string })._pid = "not-a-real-pid";
    },
  },
];

for (const adapter of ["memory", "streams"] as const) {
  describe(`recovery with the ${adapter} adapter`, () => {
    let stack: Stack;
    before(async () => {
      stack = await startStack({ redis: adapter === "streams", env: { CSR_MAX_DISCONNECTION_MS: String(CSR_MAX_DISCONNECTION_MS), STREAM_MAX_LEN: "100" } });
    });
    after(() => stack?.stop());

    for (const c of cases.filter((x) => x.adapters.includes(adapter))) {
      it(`${c.name} → ${c.expectRecovered ? "recovered by CSR" : "recovered=false, sync fills the gap"}`, async () => {
        const owner = await buildUser(stack.api);
        const member = await buildUser(stack.api);
        const groupId = await buildGroup(stack.api, owner, [member]);
        const client = new ResilientClient(stack.url, "groups", member.token, stack.api, (id) => `/api/messages/${id}/history`, ["websocket"], false);
        await client.ready();
        // One message before leaving, so the client holds a real offset.
        await stack.api.post(`/api/messages/${groupId}`, { text: "before" }, owner.token);
        await waitFor(() => client.messages.size === 1, "the first message");

        const id = client.socket.id;
        client.socket.io.engine.close(); // a network drop: "transport close" is recoverable
        await waitFor(() => client.socket.disconnected, "the client to see the drop");
        // The server has seen the close too, and persisted the session: the away time starts.
        await serverSawClose(stack.server.app, id);
        const missed: string[] = [];
        for (let i = 0; i < 5; i++) missed.push((await stack.api.post(`/api/messages/${groupId}`, { text: `missed ${i}` }, owner.token)).body.id);
        await c.whileAway?.({ stack, owner, client });
        // Expiry is a matter of time only (the adapter compares the disconnect time with
        // maxDisconnectionDuration, or Redis expires the key): counted from the server's close,
        // plus a margin for the clock.
        if (c.outlastSession) await sleep(CSR_MAX_DISCONNECTION_MS + 100);

        client.socket.connect();
        await waitFor(() => client.stats.connects === 2, "the reconnect");
        await client.settled();
        await until(() => missed.every((id) => client.messages.has(id)), 5000);

        assert.deepEqual(missed.filter((id) => !client.messages.has(id)), [], "missed messages did not all arrive");
        if (c.expectRecovered) {
          assert.equal(client.stats.recovered, 1, "expected connection-state recovery");
          assert.equal(client.stats.fromSync, 0, "recovery alone should have delivered them");
        } else {
          assert.equal(client.stats.recovered, 0, "expected recovered=false");
          assert.equal(client.stats.fromSync, missed.length, "sync should have delivered every missed message");
        }
        client.close();
      });
    }

    it("an expired access token is refused on reconnect, even with a recoverable session", async () => {
      const owner = await buildUser(stack.api);
      const member = await buildUser(stack.api);
      await buildGroup(stack.api, owner, [member]);
      const client = new ResilientClient(stack.url, "groups", member.token, stack.api, (id) => `/api/messages/${id}/history`, ["websocket"], false);
      await client.ready();
      client.socket.io.engine.close();
      await waitFor(() => client.socket.disconnected, "the client to see the drop");
      client.socket.auth = { token: "expired-or-garbage" };
      const err = await new Promise<Error & { data?: { code: string } }>((resolve) => {
        client.socket.once("connect_error", resolve);
        client.socket.connect();
      });
      assert.equal(err.data?.code, "unauthorized");
      client.close();
    });
  });
}

