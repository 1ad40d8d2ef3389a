// Code that reaches into library internals, run against the real libraries so that an
// update changing what it relies on fails here rather than in production:
// - src/infra/streams-recovery.ts, stream-tail.ts, socket-adapter.ts: the entries
//   @socket.io/redis-streams-adapter writes to its Redis stream (socket.io-adapter's
//   broadcast message inside), its static decode, its session encoding and key, and
//   socket.io calling the restoreSession we replace;
// - src/infra/slow-consumers.ts: engine.io's `clients`, a connection's writeBuffer,
//   transport (the ws socket's bufferedAmount) and close(discard), and socket.io counting
//   "forced close" as recoverable.
// Those libraries are pinned exactly in package.json; the first suite checks the pins hold.
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { createServer, type Server as HttpServer } from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { dirname, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { decode } from "@msgpack/msgpack";
import { Server, type ServerOptions, type Socket as ServerSocket } from "socket.io";
import { io as connect, type Socket as ClientSocket } from "socket.io-client";
import { parseConfig } from "../../src/config.ts";
import { createLogger } from "../../src/infra/logger.ts";
import { createRedis, type Redis } from "../../src/infra/redis.ts";
import { startSlowConsumerGuard } from "../../src/infra/slow-consumers.ts";
import { chooseAdapter, SESSION_KEY_PREFIX, STREAM_NAME, type AdapterChoice } from "../../src/infra/socket-adapter.ts";
import { adapterEntryDecoder } from "../../src/infra/streams-recovery.ts";
import { startRedis, type TestRedis } from "../support/redis-server.ts";
import { waitFor } from "../support/wait.ts";

const PINNED = ["@socket.io/redis-streams-adapter", "socket.io", "socket.io-adapter", "engine.io"];
const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** The version of `name` that the module at `from` (a file path) loads. */
function loadedVersion(name: string, from: string): string {
  let dir = dirname(createRequire(from).resolve(name));
  for (;;) {
    const file = join(dir, "package.json");
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, "utf8"));
      if (pkg.name === name) return pkg.version;
    }
    if (dirname(dir) === dir) throw new Error(`no package.json for ${name}`);
    dir = dirname(dir);
  }
}

describe("pinned library versions", () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
  const fromRoot = join(ROOT, "package.json");
  for (const name of PINNED) {
    it(`${name} is pinned to an exact version, and that version is the one installed`, () => {
      const spec = pkg.dependencies[name];
      assert.match(spec ?? "", /^\d+\.\d+\.\d+$/, `${name}: "${spec}" is not an exact version`);
      assert.equal(loadedVersion(name, fromRoot), spec);
    });
  }

  it("the libraries load the pinned engine.io and socket.io-adapter, not nested copies", () => {
    const socketIo = createRequire(fromRoot).resolve("socket.io");
    const streams = createRequire(fromRoot).resolve("@socket.io/redis-streams-adapter");
    assert.equal(loadedVersion("engine.io", socketIo), pkg.dependencies["engine.io"]);
    assert.equal(loadedVersion("socket.io-adapter", socketIo), pkg.dependencies["socket.io-adapter"]);
    assert.equal(loadedVersion("socket.io-adapter", streams), pkg.dependencies["socket.io-adapter"]);
  });
});

interface Node {
  io: Server;
  http: HttpServer;
  url: string;
  /** Server-side sockets as they connect. */
  sockets: ServerSocket[];
}

async function startNode(opts: Partial<ServerOptions>): Promise<Node> {
  const http = createServer();
  const io = new Server(http, { connectionStateRecovery: { maxDisconnectionDuration: 60_000, skipMiddlewares: true }, ...opts });
  const sockets: ServerSocket[] = [];
  io.on("connection", (socket) => {
    sockets.push(socket);
    // A recovered socket gets its rooms and data from the restored session.
    if (socket.recovered) return;
    void socket.join("room-a");
    socket.data.tag = "kept";
  });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  return { io, http, url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`, sockets };
}

async function stopNode(node: Node | undefined) {
  if (!node) return;
  await new Promise((resolve) => node.io.close(resolve));
}

/** A client that does not reconnect by itself (tests reconnect it explicitly), with the events it got. */
async function connectClient(url: string, transports: ("websocket" | "polling")[] = ["websocket"]) {
  const socket: ClientSocket = connect(url, { transports, upgrade: false, reconnection: false, forceNew: true });
  const events: { event: string; args: unknown[] }[] = [];
  socket.onAny((event: string, ...args: unknown[]) => events.push({ event, args }));
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("connect_error", reject);
  });
  return { socket, events };
}

function reconnect(socket: ClientSocket) {
  return new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("connect_error", reject);
    socket.connect();
  });
}

describe("@socket.io/redis-streams-adapter internals (streams-recovery.ts, stream-tail.ts)", () => {
  let redis: TestRedis;
  let reader: Redis;
  let choice: AdapterChoice;
  let node: Node;
  const clients: ClientSocket[] = [];

  before(async () => {
    redis = await startRedis();
    const log = createLogger("silent");
    reader = createRedis(redis.url, log, "library-internals-test");
    choice = chooseAdapter(parseConfig({ NODE_ENV: "test", REDIS_URL: redis.url, STREAM_MAX_LEN: "1000" }), reader, log);
    assert.equal(choice.name, "streams");
    node = await startNode({ adapter: choice.adapter });
  });
  after(async () => {
    for (const c of clients) c.disconnect();
    await stopNode(node);
    await choice?.close();
    reader?.disconnect();
    await redis?.stop();
  });

  /** Waits for the stream to hold an entry newer than `after` and returns the newest. */
  async function newestEntryAfter(after: string | undefined) {
    let newest: [string, string[]] | undefined;
    await waitFor(async () => {
      newest = (await reader.xrevrange(STREAM_NAME, "+", "-", "COUNT", 1))[0];
      return newest !== undefined && newest[0] !== after;
    }, "the adapter's stream entry");
    return { id: newest![0], fields: newest![1] };
  }
  const newestId = async () => (await reader.xrevrange(STREAM_NAME, "+", "-", "COUNT", 1))[0]?.[0];
  const decodeEntry = () => adapterEntryDecoder(node.io.of("/").adapter);

  it("a broadcast is one stream entry {uid, nsp, type: 3, data}; the project's decoder gets its packet and targets", async () => {
    const before = await newestId();
    node.io.to("room-a").to("room-b").except("room-x").emit("hello", { n: 1 }, "two");
    const { fields } = await newestEntryAfter(before);
    const raw = Object.fromEntries(Array.from({ length: fields.length / 2 }, (_, i) => [fields[2 * i], fields[2 * i + 1]]));
    assert.deepEqual(Object.keys(raw).sort(), ["data", "nsp", "type", "uid"]);
    assert.equal(raw.type, "3", "socket.io-adapter's MessageType.BROADCAST");
    assert.equal(raw.nsp, "/");
    assert.deepEqual(decodeEntry()(fields), { nsp: "/", packet: ["hello", { n: 1 }, "two"], rooms: ["room-a", "room-b"], except: ["room-x"] });
  });

  it("a binary broadcast (msgpack in the entry) decodes too", async () => {
    const before = await newestId();
    node.io.to("room-a").emit("bytes", Buffer.from([1, 2, 3]));
    const decoded = decodeEntry()((await newestEntryAfter(before)).fields);
    assert.equal(decoded.packet?.[0], "bytes");
    assert.deepEqual([...(decoded.packet?.[1] as Uint8Array)], [1, 2, 3]);
  });

  it("other entries (a socketsJoin) carry no packet", async () => {
    const before = await newestId();
    node.io.in("room-a").socketsJoin("room-c");
    const { fields } = await newestEntryAfter(before);
    assert.notEqual(fields[fields.indexOf("type") + 1], "3");
    assert.deepEqual(decodeEntry()(fields), { nsp: "/", rooms: [], except: [] });
  });

  it("a recoverable disconnect persists the session as the recovery reads it, and the replacement restoreSession replays what was missed", async () => {
    const { socket, events } = await connectClient(node.url);
    clients.push(socket);
    const sid = socket.id;
    // The client holds an offset once it got a broadcast (the offset rides as its last argument).
    node.io.to("room-a").emit("before", 0);
    await waitFor(() => events.some((e) => e.event === "before"), "the first broadcast");
    assert.match(String(events[0]!.args.at(-1)), /^\d+-\d+$/);

    socket.io.engine.close(); // a network drop: "transport close"
    let raw: string | null = null;
    await waitFor(async () => {
      const keys = await reader.keys(`${SESSION_KEY_PREFIX}*`);
      raw = keys.length === 1 ? await reader.get(keys[0]!) : null;
      return raw !== null;
    }, "the persisted session");
    const session = decode(Buffer.from(raw!, "base64")) as Record<string, unknown>;
    assert.equal(session.sid, sid);
    assert.equal(typeof session.pid, "string");
    assert.ok((session.rooms as string[]).includes("room-a"));
    assert.deepEqual(session.data, { tag: "kept" });

    const before = await newestId();
    node.io.to("room-a").emit("missed", 1);
    node.io.to("room-z").emit("not-for-you");
    const { id: notMine } = await newestEntryAfter(before);
    const missedId = (await reader.xrange(STREAM_NAME, `(${before}`, "+"))[0]![0];
    assert.notEqual(missedId, notMine);

    await reconnect(socket);
    assert.equal(socket.recovered, true);
    assert.equal(socket.id, sid);
    await waitFor(() => events.some((e) => e.event === "missed"), "the missed broadcast");
    assert.deepEqual(events.find((e) => e.event === "missed")!.args, [1, missedId]);
    assert.ok(!events.some((e) => e.event === "not-for-you"));
    const restored = node.sockets.at(-1)!;
    assert.equal(restored.id, sid);
    assert.ok(restored.rooms.has("room-a"));
    assert.deepEqual(restored.data, { tag: "kept" });
  });
});

interface EngineConn {
  writeBuffer: unknown[];
  readyState: string;
  transport: { name: string; socket?: { bufferedAmount: number } };
  close(discard?: boolean): void;
}
const engineClients = (io: Server) => (io.engine as unknown as { clients: Record<string, EngineConn> }).clients;

describe("engine.io internals (slow-consumers.ts)", () => {
  let node: Node;
  const clients: ClientSocket[] = [];
  before(async () => {
    node = await startNode({});
  });
  after(async () => {
    for (const c of clients) c.disconnect();
    await stopNode(node);
  });

  it("io.engine.clients holds each connection, with the writeBuffer and transport the guard reads", async () => {
    const ws = (await connectClient(node.url, ["websocket"])).socket;
    const polling = (await connectClient(node.url, ["polling"])).socket;
    clients.push(ws, polling);
    const all = engineClients(node.io);
    assert.equal(typeof all, "object");

    const wsConn = all[ws.io.engine.id]!;
    assert.ok(wsConn, "the WebSocket connection, by its engine.io id");
    assert.ok(Array.isArray(wsConn.writeBuffer));
    assert.equal(wsConn.transport.name, "websocket");
    assert.equal(typeof wsConn.transport.socket?.bufferedAmount, "number", "the ws socket under the transport");
    assert.equal(typeof wsConn.close, "function");

    const pollingConn = all[polling.io.engine.id]!;
    assert.ok(pollingConn, "the polling connection");
    assert.ok(Array.isArray(pollingConn.writeBuffer));
    assert.equal(pollingConn.transport.name, "polling");
  });

  it("packets wait in writeBuffer while the WebSocket is busy; close(true) drops them at once with a recoverable reason", async () => {
    const { socket, events } = await connectClient(node.url);
    clients.push(socket);
    node.io.to("room-a").emit("before", 0); // gives the client an offset to recover from
    await waitFor(() => events.some((e) => e.event === "before"), "the first broadcast");
    const server = node.sockets.at(-1)!;
    const reason = new Promise<string>((resolve) => server.once("disconnect", resolve));

    const conn = engineClients(node.io)[socket.io.engine.id]!;
    for (let i = 0; i < 50; i++) server.emit("burst", i);
    assert.ok(conn.writeBuffer.length > 0, "the burst waits for the first write to finish");
    conn.close(true);
    assert.equal(conn.readyState, "closed", "discard closes without waiting for the buffer to drain");
    assert.equal(await reason, "forced close");

    await waitFor(() => socket.disconnected, "the client to see the drop");
    await reconnect(socket);
    assert.equal(socket.recovered, true, "socket.io counts \"forced close\" as recoverable");
  });

  it("the guard cuts a client that stops reading (bufferedAmount and writeBuffer grow)", async () => {
    const { socket } = await connectClient(node.url);
    clients.push(socket);
    const server = node.sockets.at(-1)!;
    const conn = engineClients(node.io)[socket.io.engine.id]!;
    let cut = 0;
    const stop = startSlowConsumerGuard(node.io, { maxPackets: 5, maxBytes: 1024 * 1024, intervalMs: 10, onCut: () => cut++ });
    // The client's TCP socket stops reading: the kernel buffers fill, then ws's and engine.io's.
    const tcp = (socket.io.engine.transport as unknown as { ws: { _socket: { pause(): void; destroy(): void } } }).ws._socket;
    try {
      tcp.pause();
      const reason = new Promise<string>((resolve) => server.once("disconnect", resolve));
      const chunk = "x".repeat(1024 * 1024);
      for (let i = 0; i < 40 && conn.readyState === "open"; i++) {
        server.emit("big", chunk);
        await new Promise((r) => setImmediate(r));
      }
      await waitFor(() => cut > 0, "the guard to cut the client", 10_000);
      assert.equal(await reason, "forced close");
      assert.equal(cut, 1);
    } finally {
      stop();
      tcp.destroy(); // else the server's close handshake waits for it (ws: 30 s)
    }
  });
});
