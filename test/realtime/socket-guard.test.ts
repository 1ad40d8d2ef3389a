// What the handshake and the per-namespace event guard promise, now that both are shared
// across sockets: a revoked session is refused on its next handshake, the JWT is not kept
// on the server's socket, a flooding socket is told and then disconnected (its own bucket,
// not its neighbours'), and events are still counted.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ackCode, connectClient, connected, nextEvent, request, requestError, requestOk } from "../support/clients.ts";
import { buildUser } from "../support/factories.ts";
import { startStack, type Stack } from "../support/stack.ts";

let stack: Stack;
const BURST = 3;
before(async () => {
  // A slow refill, so the test is not a race against it.
  stack = await startStack({ env: { SOCKET_EVENTS_PER_SEC: "1", SOCKET_EVENT_BURST: String(BURST), METRICS_ENABLED: "true" } });
});
after(() => stack.stop());

const refused = (s: ReturnType<typeof connectClient>) =>
  connected(s).then(
    () => assert.fail("should not connect"),
    (e: Error & { data?: { code: string; message: string } }) => e.data,
  );

describe("handshake", () => {
  it("refuses a logged-out session on its next handshake, at once, on every namespace", async () => {
    const u = await buildUser(stack.api);
    const s = await connected(connectClient(stack.url, "groups", u.token));
    s.disconnect();
    assert.equal((await stack.api.call("POST", "/api/auth/logout", { token: u.token })).status, 204);
    for (const ns of ["couples", "groups", "dm"] as const) {
      const again = connectClient(stack.url, ns, u.token);
      const err = await refused(again);
      again.close();
      assert.equal(err?.code, "unauthorized");
      assert.match(err?.message ?? "", /revoked/);
    }
    // Another session of the same user is not affected.
    const login = await stack.api.post("/api/auth/login", { username: u.phone, password: u.password });
    const other = await connected(connectClient(stack.url, "groups", login.body.access_token));
    other.disconnect();
  });

  it("does not keep the access token on the server's socket", async () => {
    const u = await buildUser(stack.api);
    const s = await connected(connectClient(stack.url, "dm", u.token));
    try {
      const server = [...stack.server.app.io.of("/dm").sockets.values()].find((x) => x.data.userId === u.id);
      assert.ok(server);
      assert.equal((server.handshake.auth as { token?: string }).token, undefined);
      assert.equal(server.data.username, u.username);
    } finally {
      s.disconnect();
    }
  });
});

describe("event guard", () => {
  it("rate limits per socket, then tells a flooding socket and disconnects it", async () => {
    const u = await buildUser(stack.api);
    const s = await connected(connectClient(stack.url, "groups", u.token));
    const neighbour = await connected(connectClient(stack.url, "groups", u.token));
    try {
      const told = nextEvent(s, "error");
      const gone = new Promise<string>((resolve) => s.once("disconnect", resolve));
      // Invalid payloads: the limit comes before validation, so the first BURST get a
      // validation error and the rest rate_limited; strike BURST + 1 disconnects.
      const acks = Array.from({ length: 2 * BURST }, () => request(s, "mark_read", { chat_id: "", seq: -1 }, 5_000));
      const last = request(s, "mark_read", { chat_id: "", seq: -1 }, 2_000).catch((e: Error) => e);
      const codes = (await Promise.all(acks)).map(ackCode);
      assert.deepEqual(codes, [...Array(BURST).fill("validation_error"), ...Array(BURST).fill("rate_limited")]);
      assert.deepEqual(await told, { code: "rate_limited", message: "Too many events; disconnecting" });
      assert.equal(await gone, "io server disconnect");
      assert.ok((await last) instanceof Error, "no ack after the disconnect");

      // Its neighbour (same user, own socket) has its own bucket.
      const refused = await requestError(neighbour, "mark_read", { chat_id: "", seq: -1 });
      assert.equal(refused.code, "validation_error");
      await requestOk(neighbour, "HEARTBEAT", {}); // the neighbour's own bucket still has room
    } finally {
      s.close();
      neighbour.disconnect();
    }
  });

  it("counts client events (guarded ones and HEARTBEAT) per namespace", async () => {
    const u = await buildUser(stack.api);
    const s = await connected(connectClient(stack.url, "couples", u.token));
    try {
      await requestOk(s, "HEARTBEAT", {});
      await request(s, "start_typing", { chat_id: "nope" }); // counted whatever the answer
    } finally {
      s.disconnect();
    }
    const text = await (await fetch(`${stack.url}/metrics`)).text();
    assert.match(text, /chat_socket_events_in_total\{namespace="couples",event="HEARTBEAT"\} [1-9]/);
    assert.match(text, /chat_socket_events_in_total\{namespace="couples",event="start_typing"\} [1-9]/);
  });
});
