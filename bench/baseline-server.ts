// The baseline every benchmark compares against: a bare Socket.IO server (the same
// socket.io version, the same engine options and adapter as src/app.ts, read from the
// same config parser) with no auth, no database and no validation, doing the same
// socket work as our server:
// - on connect: join `user:<uid>` (and, on /groups, `conv:<id>` for each group the
//   client names) and emit a `session` event;
// - on `send_message`: stamp a per-conversation seq, build a message of the same shape
//   as ours, emit `new_message` to the group room (or both DM users' rooms), emit
//   `message_ack` to the sender's room, and ack with the message.
// Run it as a child of a benchmark (IPC) or alone: `node bench/baseline-server.ts`.
import { createServer } from "node:http";
import { randomUUID } from "node:crypto";
import { Server, type ServerOptions } from "socket.io";
import { Redis } from "ioredis";
import { createAdapter as createStreamsAdapter } from "@socket.io/redis-streams-adapter";
import { parseConfig } from "../src/config.ts";
import { sentState } from "../src/messaging/message.dto.ts";
import { serve, notify } from "./lib/ipc.ts";
import { createProbe, fdLimit } from "./lib/server-probe.ts";

interface StartArgs {
  redisUrl?: string;
  port?: number;
}

const probe = createProbe();
const epoch = randomUUID();
let eventSeq = 0;
let idCounter = 0;
let io: Server | undefined;
let redis: Redis | undefined;

// A 24-hex id like a Mongo ObjectId, so the payload has the same size as ours.
const objectId = () => (Date.now() / 1000).toString(16).slice(0, 8).padStart(8, "0") + (++idCounter).toString(16).padStart(16, "0");

async function start(args: StartArgs) {
  const config = parseConfig({ NODE_ENV: "test", ...(args.redisUrl ? { REDIS_URL: args.redisUrl } : {}) });
  const http = createServer((_req, res) => res.writeHead(404).end());
  let adapter: ServerOptions["adapter"] | undefined;
  if (args.redisUrl) {
    redis = new Redis(args.redisUrl, { enableAutoPipelining: true, maxRetriesPerRequest: 3 });
    adapter = createStreamsAdapter(redis, { streamName: "bench:sio", maxLen: config.delivery.streamMaxLen, sessionKeyPrefix: "bench:sio:session:" });
  }
  const server = new Server(http, {
    ...(adapter ? { adapter } : {}),
    maxHttpBufferSize: config.limits.socketMaxPayloadBytes,
    cors: { origin: config.http.corsOrigin, credentials: config.http.corsOrigin !== "*" },
    connectionStateRecovery: { maxDisconnectionDuration: config.delivery.maxDisconnectionMs, skipMiddlewares: false },
  });
  io = server;
  const seqs = new Map<string, number>();

  for (const name of ["couples", "groups", "dm"]) {
    const nsp = server.of(`/${name}`);
    nsp.on("connection", (socket) => {
      const auth = (socket.handshake.auth ?? {}) as { uid?: string; groups?: string[] };
      const uid = auth.uid ?? socket.id;
      const rooms = [`user:${uid}`, ...(name === "groups" ? (auth.groups ?? []).map((g) => `conv:${g}`) : [])];
      if (!socket.recovered) socket.join(rooms);
      socket.emit("session", { user_id: uid, recovered: socket.recovered, epoch, last_event_seq: eventSeq });

      socket.on("send_message", (p: { chat_id: string; client_message_id: string; text: string }, ack?: (r: unknown) => void) => {
        const isDm = p.chat_id.startsWith("dm:");
        const seq = (seqs.get(p.chat_id) ?? 0) + 1;
        seqs.set(p.chat_id, seq);
        const message = {
          id: objectId(),
          conversation_id: p.chat_id,
          conversation_type: isDm ? "dm" : "group",
          seq,
          client_message_id: p.client_message_id,
          sender: { id: objectId(), username: uid, display_name: uid, avatar_url: null },
          text: p.text,
          kind: "text",
          media: null,
          sticker: null,
          reply_to: null,
          ...sentState(),
          mode: null,
          created_at: new Date().toISOString(),
        };
        const targets = isDm ? p.chat_id.slice(3).split("|").map((u) => `user:${u}`) : [`conv:${p.chat_id}`];
        nsp.to(targets).emit("new_message", { message, meta: { event_seq: ++eventSeq, epoch } });
        nsp.to(`user:${uid}`).emit("message_ack", { client_message_id: p.client_message_id, message_id: message.id, conversation_id: p.chat_id, seq, duplicate: false });
        ack?.({ ok: true, message, duplicate: false });
      });
    });
  }

  await new Promise<void>((resolve) => http.listen({ port: args.port ?? 0, host: "127.0.0.1", backlog: config.http.listenBacklog }, resolve));
  const addr = http.address();
  const port = typeof addr === "object" && addr ? addr.port : 0;
  return { url: `http://127.0.0.1:${port}`, adapter: args.redisUrl ? "streams" : "memory", fd_limit: fdLimit(), pid: process.pid };
}

if (process.send) {
  serve({
    start,
    "probe.start": () => probe.start(),
    "probe.stop": () => probe.stop(),
    memory: () => probe.memory(),
    clients: () => io?.engine.clientsCount ?? 0,
    async close() {
      await new Promise<void>((resolve) => (io ? io.close(() => resolve()) : resolve()));
      redis?.disconnect();
    },
  });
  notify("ready");
} else {
  const info = await start({ port: Number(process.env.PORT ?? 3100), ...(process.env.REDIS_URL ? { redisUrl: process.env.REDIS_URL } : {}) });
  console.log(`baseline socket.io server on ${info.url} (${info.adapter} adapter)`);
  // A graceful stop as a bare server would do it: io.close() ends every socket with the
  // recoverable "server shutting down" reason, so the adapter persists their sessions
  // (the reconnect-storm benchmark's SIGTERM case). Give those Redis writes a moment.
  process.once("SIGTERM", () => {
    io?.close(() => setTimeout(() => {
      redis?.disconnect();
      process.exit(0);
    }, 200));
  });
}
