// Load-generator child for the reconnect storm: holds many real socket.io-client sockets
// (with the library's default reconnection back-off) in group rooms, through the load
// balancer, and follows the documented catch-up algorithm (docs/DELIVERY.md) in a lean
// form: connection-state recovery first, else GET /api/events/sync, and a seq hole seen
// in a live message is filled from history. It keeps only seqs, not messages, so that a
// few processes can hold 10 000 clients.
import { randomUUID } from "node:crypto";
import { io, type Socket } from "socket.io-client";
import { notify, serve } from "./ipc.ts";
import { mapLimit } from "./setup.ts";

export interface StormConnectArgs {
  url: string;
  /** One per client: {token} for our app, {uid, groups} for the baseline. */
  auths: Record<string, unknown>[];
  /** Our app: the REST catch-up runs with this bearer token per client; baseline: none. */
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
  socket: Socket;
  token: string | undefined;
  groups: string[];
  epoch: string | undefined;
  lastEventSeq: number;
  /**
   * Where the event stream stood when the socket dropped. Live messages resume before the
   * sync runs and move lastEventSeq past events missed while away; the sync must start
   * from here, as the web client does (web/catch-up.js), or it skips them.
   */
  resumeFrom: number | null;
  convs: Map<string, SeqSet>;
  sessions: number;
  /**
   * False from a disconnect until the catch-up after the next connect is done: a hole seen
   * meanwhile (live messages resume before `session`) is the sync's to fill, and a history
   * read per hole would only repeat it.
   */
  synced: boolean;
  /** Set by `mark`: when this client's socket came back after the kill, and whether by CSR. */
  backAt: number | null;
  caughtUpAt: number | null;
  recovered: boolean | null;
  catchingUp: Promise<void>;
}

const clients: Client[] = [];
let restUrl = "";
let markedAt: number | null = null;
let duplicates = 0;
let catchUpErrors = 0;
/** What happened to the clients after the mark: disconnect reasons and refused reconnects. */
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

async function getJson(path: string, token: string): Promise<{ status: number; body: any }> {
  const res = await fetch(`${restUrl}${path}`, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, body: await res.json().catch(() => null) };
}

/** GET /api/events/sync from the last event position, page by page. */
async function sync(c: Client) {
  let since = c.resumeFrom ?? c.lastEventSeq;
  for (let attempt = 0; ; attempt++) {
    const epoch = c.epoch ? `&epoch=${encodeURIComponent(c.epoch)}` : "";
    const res = await getJson(`/api/events/sync?since=${since}${epoch}&limit=500`, c.token!);
    if (res.status === 410) {
      c.resumeFrom = null;
      return void (await Promise.all([...c.convs.keys()].map((conv) => fillGap(c, conv))));
    }
    if (res.status !== 200) {
      if (attempt < 20) {
        await new Promise((r) => setTimeout(r, 200 + Math.random() * 300));
        continue;
      }
      throw new Error(`sync ${res.status}`);
    }
    for (const e of res.body.events as { event_seq: number; type: string; data: { message?: { seq: number | null; conversation_id: string } } }[]) {
      const m = e.data.message;
      if (e.type === "new_message" && m && m.seq !== null && record(c, m.conversation_id, m.seq)) count("message via sync");
    }
    since = res.body.next;
    c.lastEventSeq = Math.max(c.lastEventSeq, since);
    if (!res.body.has_more) return void (c.resumeFrom = null);
    if (res.body.retry_after_ms) await new Promise((r) => setTimeout(r, res.body.retry_after_ms));
  }
}

/** A seq hole (a live message beyond the next expected one): fetch history after the hole. */
async function fillGap(c: Client, conv: string) {
  for (let attempt = 0; attempt < 20; attempt++) {
    const s = c.convs.get(conv)!;
    if (s.ahead.size === 0) return;
    count("history read");
    const res = await getJson(`/api/messages/${conv}/history?after_seq=${s.upTo}&limit=200`, c.token!);
    if (res.status === 200) for (const m of res.body.messages as { seq: number | null }[]) if (m.seq !== null && m.seq > s.upTo && record(c, conv, m.seq)) count("message via history");
    // A hole younger than the server's grace is not served yet: ask again shortly.
    if (s.ahead.size) await new Promise((r) => setTimeout(r, 300));
  }
  fail("gap not filled");
}

function catchUp(c: Client, job: () => Promise<void>) {
  c.catchingUp = c.catchingUp.then(job).catch((err: Error) => fail(err.message));
  return c.catchingUp;
}

function openClient(a: StormConnectArgs, i: number): Promise<void> {
  const token = a.tokens?.[i];
  const socket = io(`${a.url}/groups`, {
    auth: a.auths[i],
    transports: ["websocket"],
    // The sticky key the web client sends: spreads clients over nodes behind one NAT.
    query: { sticky: randomUUID() },
    forceNew: true,
    localAddress: a.localAddress,
  } as Parameters<typeof io>[1]);
  const c: Client = { socket, token, groups: a.groups[i] ?? [], epoch: undefined, lastEventSeq: 0, resumeFrom: null, convs: new Map(), sessions: 0, synced: true, backAt: null, caughtUpAt: null, recovered: null, catchingUp: Promise.resolve() };
  // As a real client that loaded the latest history first: it knows where each chat stands.
  for (const g of c.groups) c.convs.set(g, { upTo: a.startSeqs[g] ?? 0, ahead: new Set() });
  clients.push(c);
  socket.on("disconnect", (reason) => {
    c.synced = false;
    c.resumeFrom ??= c.lastEventSeq;
    count(`disconnect: ${reason}`);
  });
  socket.io.on("reconnect_error", (e) => count(`reconnect_error: ${e.message}`));
  socket.on("connect_error", (e) => c.sessions > 0 && count(`connect_error: ${e.message}`));
  socket.on("new_message", (p: { message: { seq: number | null; conversation_id: string }; meta?: { event_seq: number; epoch: string } }) => {
    if (p.meta) c.lastEventSeq = Math.max(c.lastEventSeq, p.meta.event_seq);
    const { seq, conversation_id: conv } = p.message;
    if (seq === null || !record(c, conv, seq)) return;
    if (token && c.synced && c.convs.get(conv)!.ahead.size) void catchUp(c, () => fillGap(c, conv));
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("connect timeout")), 60_000);
    socket.on("session", (s: { recovered: boolean; epoch: string; last_event_seq: number }) => {
      c.sessions++;
      if (c.sessions === 1) {
        c.epoch = s.epoch;
        c.lastEventSeq = Math.max(c.lastEventSeq, s.last_event_seq);
        clearTimeout(timer);
        return resolve();
      }
      if (markedAt !== null && c.backAt === null) {
        c.backAt = Date.now();
        c.recovered = s.recovered;
      }
      if (s.recovered || !token) {
        c.synced = true;
        c.resumeFrom = null;
        if (c.caughtUpAt === null && c.backAt !== null) c.caughtUpAt = c.backAt;
        return;
      }
      void catchUp(c, async () => {
        await sync(c);
        // Holes the sync did not cover (history only: a message older than the event log).
        for (const [conv, seqs] of c.convs) if (seqs.ahead.size) await fillGap(c, conv);
        c.synced = true;
      }).then(() => {
        if (c.caughtUpAt === null && c.backAt !== null) c.caughtUpAt = Date.now();
      });
    });
    socket.once("connect_error", (e: Error & { data?: { message?: string } }) => {
      if (c.sessions > 0) return; // reconnecting: the library retries by itself
      clearTimeout(timer);
      reject(new Error(e.data?.message ?? e.message));
    });
  });
}

serve({
  async connect(a: StormConnectArgs & { restUrl: string }) {
    restUrl = a.restUrl;
    const t0 = performance.now();
    let failed = 0;
    const errors: Record<string, number> = {};
    await mapLimit(a.auths, a.concurrency, (_, i) =>
      openClient(a, i).catch((err: Error) => {
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
    connected: clients.filter((c) => c.socket.connected).length,
    back: clients.map((c) => (c.backAt === null || markedAt === null ? null : c.backAt - markedAt)),
    caught_up: clients.map((c) => (c.caughtUpAt === null || markedAt === null ? null : c.caughtUpAt - markedAt)),
    recovered: clients.filter((c) => c.recovered === true).length,
    after_mark: afterMark,
  }),
  /** Messages each client is missing, given the seqs the publisher got acked per group. */
  async missing(acked: Record<string, number[]>) {
    // Catch-up still running is given a moment; what it has not delivered by then is missing.
    await Promise.race([Promise.all(clients.map((c) => c.catchingUp)), new Promise((r) => setTimeout(r, 5000))]);
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
    for (const c of clients.splice(0)) c.socket.close();
  },
});
notify("ready");
