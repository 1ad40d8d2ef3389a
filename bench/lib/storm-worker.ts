// Load-generator child for the reconnect storm: holds many real clients in group rooms,
// through the load balancer. Our server's clients are the client SDK (client/: the catch-up
// algorithm of docs/DELIVERY.md, the same code apps and the web client run), told where each
// group stands (`seenThrough`) and keeping no messages, so that a few processes can hold
// 10 000 of them; this child records the seqs the SDK hands over, to count what is missing or
// doubled. The baseline server speaks no REST: its clients are bare socket.io-client sockets
// with the library's default reconnection back-off, and only record what arrives live.
import { randomUUID } from "node:crypto";
import { io, type Socket } from "socket.io-client";
import { createChatClient, memoryStore, type ChatClient } from "../../client/src/index.ts";
import { notify, serve } from "./ipc.ts";
import { mapLimit } from "./setup.ts";

export interface StormConnectArgs {
  url: string;
  /** One per client: {token} for our app, {uid, groups} for the baseline. */
  auths: Record<string, unknown>[];
  /** Our app: each client's bearer token (the SDK's); baseline: none. */
  tokens?: string[];
  /** The group ids each client must receive every message of. */
  groups: string[][];
  /** Each group's highest seq before this run (groups outlive a run): clients start there. */
  startSeqs: Record<string, number>;
  localAddress: string;
  concurrency: number;
}

/** Seqs seen in one conversation: all up to `upTo`, and those beyond it. */
interface SeqSet {
  upTo: number;
  ahead: Set<number>;
}

interface Client {
  /** Our server: the SDK; the baseline: a bare socket. */
  sdk: ChatClient | null;
  socket: Socket | null;
  convs: Map<string, SeqSet>;
  sessions: number;
  /** Set by `mark`: when this client's socket came back after the kill, and whether by CSR. */
  backAt: number | null;
  caughtUpAt: number | null;
  recovered: boolean | null;
}

const clients: Client[] = [];
let restUrl = "";
let markedAt: number | null = null;
let duplicates = 0;
let catchUpErrors = 0;
/** What happened to the clients after the mark: disconnect reasons, refused reconnects, how messages came. */
const afterMark: Record<string, number> = {};
const count = (k: string) => markedAt !== null && (afterMark[k] = (afterMark[k] ?? 0) + 1);
const errorKinds: Record<string, number> = {};

function fail(kind: string) {
  catchUpErrors++;
  errorKinds[kind] = (errorKinds[kind] ?? 0) + 1;
}

function record(c: Client, conv: string, seq: number): boolean {
  let s = c.convs.get(conv);
  if (!s) c.convs.set(conv, (s = { upTo: 0, ahead: new Set() }));
  if (seq <= s.upTo || s.ahead.has(seq)) {
    duplicates++;
    return false;
  }
  if (seq === s.upTo + 1) {
    s.upTo = seq;
    while (s.ahead.delete(s.upTo + 1)) s.upTo++;
  } else s.ahead.add(seq);
  return true;
}

function newClient(a: StormConnectArgs, i: number): Client {
  const c: Client = { sdk: null, socket: null, convs: new Map(), sessions: 0, backAt: null, caughtUpAt: null, recovered: null };
  // As a real client that loaded the latest history first: it knows where each chat stands.
  for (const g of a.groups[i] ?? []) c.convs.set(g, { upTo: a.startSeqs[g] ?? 0, ahead: new Set() });
  clients.push(c);
  return c;
}

/** A client of our server: the SDK, on /groups only, keeping no messages. */
function openSdkClient(a: StormConnectArgs, i: number, token: string): Promise<void> {
  const c = newClient(a, i);
  const sdk = createChatClient({
    url: a.url,
    apiUrl: restUrl,
    tokens: { access_token: token },
    store: memoryStore(),
    namespaces: ["groups"],
    transports: ["websocket"],
    // The sticky key the web client sends: spreads clients over nodes behind one NAT.
    socketOptions: { query: { sticky: randomUUID() }, localAddress: a.localAddress },
    maxMessagesPerConversation: 0,
    trackUnread: false,
    autoConnect: false,
  });
  c.sdk = sdk;
  for (const [g, s] of c.convs) if (s.upTo > 0) sdk.conversation("groups", g).seenThrough(s.upTo);
  sdk.on("message", (m, info) => {
    if (info.change !== "new" || m.seq === null) return;
    if (record(c, m.conversation_id, m.seq) && info.via !== "live") count(`message via ${info.via === "gap" ? "history" : info.via}`);
  });
  sdk.on("disconnected", ({ reason }) => count(`disconnect: ${reason}`));
  sdk.on("connected", ({ recovered }) => {
    c.sessions++;
    if (c.sessions > 1 && markedAt !== null && c.backAt === null) {
      c.backAt = Date.now();
      c.recovered = recovered;
    }
  });
  sdk.on("caught_up", () => {
    if (c.caughtUpAt === null && c.backAt !== null) c.caughtUpAt = Date.now();
  });
  sdk.on("error", (e) => {
    if (c.sessions > 0) fail(e.code);
  });
  const connected = sdk.connect().then(() => {
    sdk.socket("groups")?.io.on("reconnect_error", (e) => count(`reconnect_error: ${e.message}`));
    return sdk.ready();
  });
  return withTimeout(connected, 60_000);
}

/** A baseline client: a bare socket that records what arrives live. */
function openBareClient(a: StormConnectArgs, i: number): Promise<void> {
  const c = newClient(a, i);
  const socket = io(`${a.url}/groups`, {
    auth: a.auths[i],
    transports: ["websocket"],
    query: { sticky: randomUUID() },
    forceNew: true,
    localAddress: a.localAddress,
  } as Parameters<typeof io>[1]);
  c.socket = socket;
  socket.on("disconnect", (reason) => count(`disconnect: ${reason}`));
  socket.io.on("reconnect_error", (e) => count(`reconnect_error: ${e.message}`));
  socket.on("new_message", (p: { message: { seq: number | null; conversation_id: string } }) => {
    if (p.message.seq !== null) record(c, p.message.conversation_id, p.message.seq);
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("connect timeout")), 60_000);
    socket.on("session", (s: { recovered: boolean }) => {
      c.sessions++;
      if (c.sessions === 1) {
        clearTimeout(timer);
        return resolve();
      }
      if (markedAt !== null && c.backAt === null) {
        c.backAt = c.caughtUpAt = Date.now();
        c.recovered = s.recovered;
      }
    });
    socket.once("connect_error", (e: Error & { data?: { message?: string } }) => {
      if (c.sessions > 0) return; // reconnecting: the library retries by itself
      clearTimeout(timer);
      reject(new Error(e.data?.message ?? e.message));
    });
  });
}

function withTimeout(p: Promise<void>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([p, new Promise<void>((_, reject) => (timer = setTimeout(() => reject(new Error("connect timeout")), ms)))]).finally(() => clearTimeout(timer));
}

serve({
  async connect(a: StormConnectArgs & { restUrl: string }) {
    restUrl = a.restUrl;
    const t0 = performance.now();
    let failed = 0;
    const errors: Record<string, number> = {};
    await mapLimit(a.auths, a.concurrency, (_, i) =>
      (a.tokens?.[i] ? openSdkClient(a, i, a.tokens[i]) : openBareClient(a, i)).catch((err: Error) => {
        failed++;
        errors[err.message] = (errors[err.message] ?? 0) + 1;
      }),
    );
    return { opened: a.auths.length - failed, failed, errors, ms: Math.round(performance.now() - t0) };
  },
  /** From now on, the next `session` of each client counts as its return after the kill. */
  mark(at: number) {
    markedAt = at;
    for (const c of clients) {
      c.backAt = null;
      c.caughtUpAt = null;
      c.recovered = null;
    }
  },
  /** Times (ms after the mark) at which each client came back and was caught up; null = not yet. */
  status: () => ({
    connected: clients.filter((c) => (c.sdk ? c.sdk.connected("groups") : c.socket?.connected)).length,
    back: clients.map((c) => (c.backAt === null || markedAt === null ? null : c.backAt - markedAt)),
    caught_up: clients.map((c) => (c.caughtUpAt === null || markedAt === null ? null : c.caughtUpAt - markedAt)),
    recovered: clients.filter((c) => c.recovered === true).length,
    after_mark: afterMark,
  }),
  /** Messages each client is missing, given the seqs the publisher got acked per group. */
  async missing(acked: Record<string, number[]>) {
    // Catch-up still running is given a moment; what it has not delivered by then is missing.
    await Promise.race([Promise.all(clients.map((c) => c.sdk?.settled())), new Promise((r) => setTimeout(r, 5000))]);
    let missing = 0;
    let clientsMissing = 0;
    for (const c of clients) {
      let mine = 0;
      for (const [conv, s] of c.convs) for (const seq of acked[conv] ?? []) if (seq > s.upTo && !s.ahead.has(seq)) mine++;
      missing += mine;
      if (mine) clientsMissing++;
    }
    return { missing, clients_missing: clientsMissing, duplicates, errors: catchUpErrors, error_kinds: errorKinds };
  },
  closeAll() {
    for (const c of clients.splice(0)) (c.sdk ?? c.socket)?.close();
  },
});
notify("ready");
