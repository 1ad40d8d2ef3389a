// A test client that follows the documented catch-up algorithm (docs/DELIVERY.md):
//  1. connection-state recovery: if `recovered`, the missed events were replayed;
//  2. otherwise GET /api/events/sync?since=<last event_seq>&epoch=<epoch>, paged;
//  3. a per-conversation seq gap seen on a live message is filled from history (after_seq);
//     a 410 from sync also falls back to history.
// Messages are deduplicated by id. Counters say which path delivered what, so a test can
// print how the guarantee was met, not only that it was.
import { randomUUID } from "node:crypto";
import { io, type Socket } from "socket.io-client";
import type { Message } from "../../src/contract/models.ts";
import type { ClientEvents, ServerEvents } from "../../src/contract/events.ts";
import type { Api } from "./http.ts";
import { sleep } from "./wait.ts";

export interface ResilientStats {
  connects: number;
  recovered: number;
  notRecovered: number;
  live: number;
  fromSync: number;
  fromGapFill: number;
  rawDuplicates: number;
  resyncs: number;
}

export class ResilientClient {
  readonly socket: Socket<ServerEvents, ClientEvents>;
  readonly messages = new Map<string, Message>();
  readonly stats: ResilientStats = { connects: 0, recovered: 0, notRecovered: 0, live: 0, fromSync: 0, fromGapFill: 0, rawDuplicates: 0, resyncs: 0 };
  lastEventSeq = 0;
  epoch: string | undefined;
  reconnectStartedAt: number | null = null;
  readonly reconnectTimes: number[] = [];
  #highestContiguous = new Map<string, number>();
  #catchingUp: Promise<void> = Promise.resolve();
  #resumeFrom: number | null = null;

  readonly token: string;
  readonly rest: Api;
  readonly historyPath: (conversationId: string) => string;

  constructor(
    url: string,
    ns: "couples" | "groups" | "dm",
    token: string,
    rest: Api,
    historyPath: (conversationId: string) => string,
    transports: ("websocket" | "polling")[] = ["websocket"],
    reconnection = true,
  ) {
    this.token = token;
    this.rest = rest;
    this.historyPath = historyPath;
    this.socket = io(`${url}/${ns}`, {
      auth: { token },
      transports,
      query: { sticky: randomUUID() },
      reconnection,
      reconnectionDelay: 100,
      reconnectionDelayMax: 1000,
      randomizationFactor: 0.3,
      forceNew: true,
    }) as Socket<ServerEvents, ClientEvents>;
    this.socket.on("disconnect", () => {
      this.reconnectStartedAt ??= Date.now();
      // Sync from where the stream stood at the drop: live messages resume before the sync
      // runs, and their positions would carry the cursor past what was missed meanwhile.
      this.#resumeFrom ??= this.lastEventSeq;
    });
    this.socket.on("session", (s) => {
      this.stats.connects++;
      if (this.reconnectStartedAt !== null) {
        this.reconnectTimes.push(Date.now() - this.reconnectStartedAt);
        this.reconnectStartedAt = null;
      }
      if (s.recovered) {
        this.stats.recovered++;
        this.#resumeFrom = null;
        return;
      }
      if (this.stats.connects > 1) this.stats.notRecovered++;
      if (this.epoch === undefined) {
        // First connect: the stream position starts here.
        this.epoch = s.epoch;
        this.lastEventSeq = Math.max(this.lastEventSeq, s.last_event_seq);
        return;
      }
      this.#queue(() => this.#sync());
    });
    this.socket.on("new_message", (p) => {
      if (p.meta) this.#seen(p.meta.event_seq, p.meta.epoch);
      this.#accept(p.message, "live");
    });
  }

  ready(): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.socket.connected) return resolve();
      this.socket.once("connect", () => resolve());
      this.socket.once("connect_error", reject);
    });
  }

  /** Waits until all catch-up work queued so far is done. */
  settled() {
    return this.#catchingUp;
  }

  close() {
    this.socket.close();
  }

  #queue(job: () => Promise<void>) {
    this.#catchingUp = this.#catchingUp.then(job).catch(() => {
      /* a failed catch-up is retried by the next trigger */
    });
  }

  #seen(eventSeq: number, epoch: string) {
    this.epoch ??= epoch;
    if (eventSeq > this.lastEventSeq) this.lastEventSeq = eventSeq;
  }

  #accept(m: Message, via: "live" | "sync" | "gap") {
    if (this.messages.has(m.id)) {
      this.stats.rawDuplicates++;
      if (m.deleted || m.edited) this.messages.set(m.id, m);
      return;
    }
    this.messages.set(m.id, m);
    if (via === "live") this.stats.live++;
    else if (via === "sync") this.stats.fromSync++;
    else this.stats.fromGapFill++;
    if (m.seq === null) return;
    const conv = m.conversation_id;
    const contiguous = this.#contiguous(conv);
    if (via === "live" && m.seq > contiguous + 1) this.#queue(() => this.#fillGap(conv));
  }

  #contiguous(conv: string): number {
    let top = this.#highestContiguous.get(conv) ?? 0;
    const seqs = new Set([...this.messages.values()].filter((m) => m.conversation_id === conv && m.seq !== null).map((m) => m.seq!));
    while (seqs.has(top + 1)) top++;
    this.#highestContiguous.set(conv, top);
    return top;
  }

  async #fillGap(conv: string, attempt = 0) {
    for (;;) {
      const from = this.#contiguous(conv);
      const res = await this.rest.get(`${this.historyPath(conv)}?after_seq=${from}&limit=200`, this.token);
      if (res.status !== 200) throw new Error(`history ${res.status}`);
      for (const m of res.body.messages as Message[]) this.#accept(m, "gap");
      if ((res.body.messages as Message[]).length < 200) break;
    }
    // History stops before a hole that may still fill (a send in flight, or one whose
    // sender died: the server turns that into a tombstone after a short grace). Ask again.
    const highest = Math.max(0, ...[...this.messages.values()].filter((m) => m.conversation_id === conv).map((m) => m.seq ?? 0));
    if (this.#contiguous(conv) < highest && attempt < 20) {
      await sleep(500); // the client's back-off before asking again (part of the algorithm modelled, not a test wait)
      await this.#fillGap(conv, attempt + 1);
    }
  }

  async #sync() {
    let since = this.#resumeFrom ?? this.lastEventSeq;
    for (;;) {
      const epoch = this.epoch ? `&epoch=${encodeURIComponent(this.epoch)}` : "";
      const res = await this.rest.get(`/api/events/sync?since=${since}${epoch}&limit=500`, this.token);
      if (res.status === 410) {
        this.stats.resyncs++;
        this.#resumeFrom = null;
        this.epoch = res.body.error.details?.epoch;
        for (const conv of new Set([...this.messages.values()].map((m) => m.conversation_id))) await this.#fillGap(conv);
        return;
      }
      if (res.status !== 200) throw new Error(`sync ${res.status}`);
      for (const e of res.body.events as { event_seq: number; type: string; data: { message?: Message } }[]) {
        this.#seen(e.event_seq, res.body.epoch);
        if (e.type === "new_message" && e.data.message) this.#accept(e.data.message, "sync");
      }
      since = res.body.next;
      this.#seen(since, res.body.epoch);
      if (!res.body.has_more) {
        this.#resumeFrom = null;
        return;
      }
      if (res.body.retry_after_ms) await sleep(res.body.retry_after_ms); // honours the server's pacing, as a client must
    }
  }
}
