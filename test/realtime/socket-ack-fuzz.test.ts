// Every client event sent with a callback gets exactly one answer (finding 8 of issue 12),
// whatever the arguments look like: none, only the ack, null, a number, a string, an
// array, a huge nested object, extra positional arguments before the ack, two functions;
// on every namespace, for every client→server event of src/contract/events.ts (the /couples
// ones sent to /groups and /dm too) and for an event nobody knows. Counted twice: the
// callbacks the official client calls, and the ACK packets that reach the client (the
// client drops a second ACK for an id silently, so only the packets show a double answer).
// Afterwards the sockets are still connected and the server still answers /healthz.
// HEARTBEAT goes through the same per-socket rate limit as every other event.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { ClientEvents } from "../../src/contract/events.ts";
import { ackCode, ackError, assertAck, connectClient, connected, emitRaw, request, requestOk, requestRaw, type ChatClient } from "../support/clients.ts";
import { buildConversation, cmid, connectReady, type Conversation, type Kind } from "../support/conversations.ts";
import { buildUser } from "../support/factories.ts";
import { startStack, type Stack } from "../support/stack.ts";
import { sleep, until } from "../support/wait.ts";

let stack: Stack;
const conversations = {} as Record<Kind, Conversation>;
before(async () => {
  // Room for every fuzzed event in the bucket: this file is about answers, not the limit.
  stack = await startStack({ env: { SOCKET_EVENTS_PER_SEC: "10000", SOCKET_EVENT_BURST: "10000" } });
  for (const kind of ["couple", "group", "dm"] as const) conversations[kind] = await buildConversation(stack.api, kind);
});
after(() => stack.stop());

const NO_ID = "0".repeat(24);

/** A payload each event would accept in shape; `satisfies` keeps the list in step with events.ts. */
const plausible = (chatId: string) =>
  ({
    send_message: { chat_id: chatId, client_message_id: cmid(), text: "fuzz" },
    edit_message: { chat_id: chatId, message_id: NO_ID, text: "fuzz" },
    delete_message: { chat_id: chatId, message_id: NO_ID },
    toggle_reaction: { chat_id: chatId, message_id: NO_ID, emoji: "👍" },
    start_typing: { chat_id: chatId },
    stop_typing: { chat_id: chatId },
    mark_read: { chat_id: chatId, seq: 0 },
    ping_thinking_of_you: { recipient_user_id: NO_ID },
    change_chat_mode: { chat_id: chatId, mode: "normal" },
    HEARTBEAT: {},
    auth: { token: "not-a-token" },
  }) satisfies Record<keyof ClientEvents, unknown>;

function nested(depth: number): unknown {
  let v: unknown = { leaf: "x".repeat(20_000) };
  for (let i = 0; i < depth; i++) v = { a: v, list: [i, null, "s"] };
  return v;
}
const HUGE = { ...(nested(400) as object), wide: Object.fromEntries(Array.from({ length: 1500 }, (_, i) => [`k${i}`, i])) };

/** The arguments sent before the callback(s). */
const shapes = (payload: unknown): [string, unknown[]][] => [
  ["only an ack", []],
  ["null", [null]],
  ["a number", [42]],
  ["a string", ["chat"]],
  ["an array", [[1, "two", { three: 3 }]]],
  ["a huge nested object", [HUGE]],
  ["its payload", [payload]],
  ["its payload and an extra string", [payload, "extra"]],
  ["its payload and two extra arguments", [payload, 7, { more: true }]],
  ["null, then its payload", [null, payload]],
  ["__proto__ keys", [JSON.parse('{"__proto__": {"polluted": true}, "chat_id": "x"}')]],
];

interface Sent {
  label: string;
  calls: unknown[][];
  /** A function placed before the ack: it cannot travel, so it must never be called. */
  decoy?: { calls: number };
}

function countAckPackets(socket: ChatClient, nsp: string) {
  const counter = { n: 0 };
  socket.io.on("packet", (packet: { type: number; nsp: string }) => {
    // 3 = ACK, 6 = BINARY_ACK (socket.io-parser)
    if ((packet.type === 3 || packet.type === 6) && packet.nsp === nsp) counter.n++;
  });
  return counter;
}

describe("socket acks under odd argument shapes", () => {
  for (const kind of ["couple", "group", "dm"] as const) {
    it(`answers every callback exactly once on /${kind === "couple" ? "couples" : kind === "group" ? "groups" : "dm"}`, async () => {
      const c = conversations[kind];
      const socket = await connectReady(stack.url, c.ns, c.a.token);
      const packets = countAckPackets(socket, `/${c.ns}`);
      const sent: Sent[] = [];
      // Arguments no contract allows, on purpose: sent untyped.
      const emit = (event: string, ...args: unknown[]) => emitRaw(socket, event, ...args);
      try {
        const events = { ...plausible(c.id), no_such_event: { chat_id: c.id } };
        for (const [event, payload] of Object.entries(events)) {
          // No callback at all: nothing to answer, and nothing may break.
          emit(event);
          emit(event, payload, "extra");
          for (const [shape, args] of shapes(payload)) {
            const s: Sent = { label: `${event} with ${shape}`, calls: [] };
            sent.push(s);
            emit(event, ...args, (...res: unknown[]) => s.calls.push(res));
          }
          const s: Sent = { label: `${event} with two functions`, calls: [], decoy: { calls: 0 } };
          sent.push(s);
          emit(event, payload, () => s.decoy!.calls++, (...res: unknown[]) => s.calls.push(res));
        }

        await until(() => sent.every((s) => s.calls.length > 0), 10_000);
        // A window, not a wait for something: a second answer to one callback (what this test
        // is after) would come from work still running after the first, and no later event
        // is ordered behind that work. 300 ms is ample for this server's handlers on a local
        // database, and a double answer is seen in the ACK packet count below.
        await sleep(300);
        const unanswered = sent.filter((s) => s.calls.length === 0).map((s) => s.label);
        assert.deepEqual(unanswered, [], `no answer within 10 s for: ${unanswered.join("; ")}`);
        for (const s of sent) {
          assert.equal(s.calls.length, 1, s.label);
          const [res] = s.calls[0]!;
          assertAck(res, s.label); // {ok: true, ...} or {ok: false, error: {code, message}}
          if (s.decoy) assert.equal(s.decoy.calls, 0, s.label);
        }
        assert.equal(packets.n, sent.length, "one ACK packet per callback, no more");
        assert.ok(socket.connected, "the socket is still connected");
        await requestOk(socket, "HEARTBEAT", {});
      } finally {
        socket.close();
      }
      const health = await fetch(`${stack.url}/healthz`);
      assert.equal(health.status, 200);
    });
  }

  it("names what is wrong: extra arguments, an unknown event, a missing payload", async () => {
    const c = conversations.dm;
    const socket = await connectReady(stack.url, "dm", c.a.token);
    try {
      // Arguments the contract does not allow, on purpose: sent untyped.
      const extra = ackError(await requestRaw(socket, "send_message", plausible(c.id).send_message, "extra"));
      assert.equal(extra.code, "validation_error");
      assert.match(extra.message, /^payload: /);
      const unknown = ackError(await requestRaw(socket, "change_chat_mode", { chat_id: c.id, mode: "fight" }));
      assert.equal(unknown.code, "not_found");
      assert.match(unknown.message, /change_chat_mode.*\/dm/);
      const empty = ackError(await requestRaw(socket, "mark_read"));
      assert.equal(empty.code, "validation_error");
      assert.match(empty.message, /chat_id/);
      const heartbeat = await requestRaw(socket, "HEARTBEAT");
      assertAck(heartbeat);
      assert.equal(heartbeat.ok, true);
    } finally {
      socket.close();
    }
  });
});

describe("HEARTBEAT rate limit", () => {
  const BURST = 3;
  let limited: Stack;
  before(async () => {
    limited = await startStack({ env: { SOCKET_EVENTS_PER_SEC: "1", SOCKET_EVENT_BURST: String(BURST) } });
  });
  after(() => limited.stop());

  it("shares the socket's bucket with the other events, and a HEARTBEAT flood is disconnected", async () => {
    const u = await buildUser(limited.api);
    const socket = await connected(connectClient(limited.url, "couples", u.token));
    try {
      const gone = new Promise<string>((resolve) => socket.once("disconnect", resolve));
      const first = await request(socket, "start_typing", { chat_id: "nope" });
      assert.notEqual(ackCode(first), "rate_limited");
      // One after the other: a flood that gets the socket disconnected also drops the
      // answers still being computed for events sent in the same breath.
      const codes: string[] = [];
      for (let i = 0; i < 2 * BURST; i++) {
        const a = await request(socket, "HEARTBEAT", {}, 3000).catch((e: Error) => e);
        codes.push(a instanceof Error ? "no answer" : ackCode(a));
      }
      // Two tokens left after start_typing; then BURST refusals; the next strike disconnects, unanswered.
      assert.deepEqual(codes, [...Array(BURST - 1).fill("ok"), ...Array(BURST).fill("rate_limited"), "no answer"]);
      assert.equal(await gone, "io server disconnect", "a HEARTBEAT flood is cut off like any other");
    } finally {
      socket.close();
    }
  });
});
