// The catch-up algorithm of docs/DELIVERY.md, in one place:
//  1. the server sends `session {recovered, epoch, last_event_seq}` on every connect, once
//     the socket is in its rooms: from then on nothing is missed live. First connect: take
//     the cursor. recovered: connection-state recovery replayed what was missed. Done.
//  2. not recovered: GET /api/events/sync from the cursor AS IT WAS AT THE DROP (live events
//     resume before the sync runs and would carry the cursor past what was missed), paged,
//     honouring retry_after_ms. 410 → take the new epoch from error.details.epoch and read
//     the history of the conversations held (after the last contiguous seq).
//  3. a live message whose seq jumps (a hole) → history after_seq, asked again after a short
//     back-off while the hole has not settled. Holes seen while a sync is due are the sync's
//     to fill: a history read per hole would only repeat it (thousands at once after a crash).
//  4. dedupe and order: conversation-view.ts (by id and seq).
// The namespaces share one connection but come back one by one; each namespace's position
// is remembered, and a sync starts from the lowest position of those that dropped.
// The cursor {epoch, last_event_seq} is kept in the store, so a reload syncs from it.
import type { Message } from "../../src/contract/models.ts";
import { backoffDelay, quietTimeout, sleep } from "./backoff.ts";
import type { Conversation } from "./conversation-view.ts";
import { ChatError, toChatError } from "./errors.ts";
import { createGapFill } from "./gap-fill.ts";
import type { Namespace } from "./paths.ts";
import type { ChatStore } from "./stores.ts";
import type { ChatClientStats } from "./types.ts";

/** Where the client stands in its user's durable event stream. */
export interface Cursor {
  epoch: string | null;
  last_event_seq: number | null;
  user_id?: string | undefined;
}

/** One event of a sync page. */
export interface SyncEvent {
  event_seq: number;
  type: string;
  namespace: string;
  data: Record<string, unknown> & { message?: Message };
}

interface SyncPage {
  epoch: string;
  events: SyncEvent[];
  next: number;
  has_more: boolean;
  retry_after_ms?: number;
}

/** What the catch-up needs from the client. */
export interface CatchUpDeps {
  namespaces: readonly Namespace[];
  store: ChatStore;
  stats: ChatClientStats;
  userId(): string | undefined;
  get<T>(path: string): Promise<T>;
  conversations(): Iterable<Conversation>;
  /** Applies a synced event as if it had arrived live (dedupe happens there). */
  apply(ev: SyncEvent): void;
  caughtUp(info: { recovered: boolean; resynced: boolean }): void;
  error(err: ChatError): void;
  /** Set when the client closed: loops stop. */
  signal: { closed: boolean; wake: Set<() => void> };
}

/** The catch-up state machine of one client; see the file comment. */
export function createCatchUp(d: CatchUpDeps) {
  let cursor: Cursor = { epoch: null, last_event_seq: null };
  let resumeFrom: number | null = null;
  const position = new Map<Namespace, number>();
  const down = new Set<Namespace>(d.namespaces);
  let chain: Promise<void> = Promise.resolve();
  let jobs = 0;
  const gaps = createGapFill(d);
  /** False from a drop until the catch-up after the next connect is done. */
  let synced = false;
  /** Event positions seen live while a sync is due: the sync skips their non-message events. */
  const seenLive = new Set<number>();
  let round = { recovered: true, resynced: false, headAtSession: 0, droppedAt: 0 };
  let persistTimer: ReturnType<typeof setTimeout> | undefined;
  /** Namespaces that had a session already, and whether the client started with no cursor. */
  const everConnected = new Set<Namespace>();
  let startedFresh = false;

  function persist(now = false) {
    const write = () => {
      persistTimer = undefined;
      void Promise.resolve(d.store.set("cursor", { ...cursor, user_id: d.userId() })).catch(() => {});
    };
    if (now) {
      clearTimeout(persistTimer);
      return write();
    }
    // Live events move the cursor often; writing it at most twice a second is enough.
    persistTimer ??= quietTimeout(write, 500);
  }

  function advance(epoch: string, seq: number) {
    if (cursor.epoch !== null && cursor.epoch !== epoch) {
      // The stream was reset (a new epoch): positions of the old one mean nothing now.
      cursor = { epoch, last_event_seq: seq };
      position.clear();
    } else {
      cursor = { epoch, last_event_seq: Math.max(cursor.last_event_seq ?? 0, seq) };
    }
    persist();
  }

  function queue(job: () => Promise<void>) {
    jobs++;
    chain = chain
      .then(job)
      .catch((err: unknown) => d.error(toChatError(err)))
      .finally(() => {
        jobs--;
        maybeDone();
      });
  }

  function maybeDone() {
    if (jobs > 0 || down.size > 0 || synced || d.signal.closed) return;
    synced = true;
    resumeFrom = null;
    seenLive.clear();
    persist(true);
    // Holes left after the sync (a message older than the event log's retention): history.
    for (const c of d.conversations()) if (c.seqs.hasGap) gaps.fill(c);
    d.caughtUp({ recovered: round.recovered, resynced: round.resynced });
  }

  async function sync() {
    if (cursor.last_event_seq === null) return;
    let since = resumeFrom ?? cursor.last_event_seq;
    for (let attempt = 0; ; attempt++) {
      try {
        for (;;) {
          const q = `since=${since}${cursor.epoch ? `&epoch=${encodeURIComponent(cursor.epoch)}` : ""}&limit=500`;
          d.stats.syncRequests++;
          const page = await d.get<SyncPage>(`/api/events/sync?${q}`);
          for (const e of page.events) d.apply(e);
          since = page.next;
          if (resumeFrom !== null) resumeFrom = Math.max(resumeFrom, since);
          advance(page.epoch, since);
          // Everything up to `next` is now in, for every namespace that is up.
          for (const ns of d.namespaces) if (!down.has(ns)) position.set(ns, Math.max(position.get(ns) ?? 0, since));
          if (!page.has_more) return;
          // Older servers stopped at events still being written: ask again shortly.
          if (page.retry_after_ms) await sleep(page.retry_after_ms, d.signal);
          if (d.signal.closed) return;
        }
      } catch (err) {
        const e = toChatError(err);
        if (e.status === 410) return resync(e);
        if (e.code === "logged_out" || d.signal.closed || attempt >= 8) throw e;
        await sleep(backoffDelay({ minMs: 250, maxMs: 5_000 }, attempt), d.signal);
      }
    }
  }

  /** 410: the cursor is useless (new epoch, or pruned); history is the source of truth now. */
  async function resync(e: ChatError) {
    d.stats.resyncs++;
    round.resynced = true;
    const epoch = (e.details as { epoch?: string } | undefined)?.epoch ?? cursor.epoch;
    cursor = { epoch, last_event_seq: round.headAtSession };
    position.clear();
    resumeFrom = null;
    persist(true);
    for (const c of [...d.conversations()]) {
      if (c.seqs.anchored || c.loaded) await c.fetchAfter(c.seqs.upTo, "gap");
      // Edits, deletes and reactions of messages held went with the lost events.
      if (c.loaded) await c.reread();
    }
  }

  return {
    /** Loads the cursor kept in the store: a reload then syncs from where it stood. */
    async load(): Promise<void> {
      const stored = await d.store.get<Cursor>("cursor");
      if (stored && stored.last_event_seq !== null && (stored.user_id === undefined || d.userId() === undefined || stored.user_id === d.userId())) {
        cursor = { epoch: stored.epoch, last_event_seq: stored.last_event_seq };
        resumeFrom = stored.last_event_seq;
      }
    },

    get cursor(): Readonly<Cursor> {
      return cursor;
    },
    /** Whether no catch-up is due: a hole seen live now is a gap to fill. */
    get synced() {
      return synced;
    },

    /** A namespace's socket dropped: remember where it stood. */
    disconnected(ns: Namespace) {
      if (down.size === 0) round = { recovered: true, resynced: false, headAtSession: 0, droppedAt: Date.now() };
      down.add(ns);
      synced = false;
      const at = position.get(ns) ?? cursor.last_event_seq;
      if (at !== null && at !== undefined) resumeFrom = Math.min(resumeFrom ?? at, at);
    },

    /** When the first namespace of this round dropped (for reconnect times), 0 if none. */
    get droppedAt() {
      return round.droppedAt;
    },

    /** The server's `session` on a namespace: decide what to fetch. */
    session(ns: Namespace, s: { recovered: boolean; epoch: string; last_event_seq: number }) {
      down.delete(ns);
      round.headAtSession = Math.max(round.headAtSession, s.last_event_seq);
      const first = !everConnected.has(ns);
      everConnected.add(ns);
      if (cursor.last_event_seq === null || (first && startedFresh)) {
        // First connect: the stream position starts here. Conversations the app loaded
        // before the socket joined its rooms may lack what was sent meanwhile.
        if (cursor.last_event_seq === null) cursor = { epoch: s.epoch, last_event_seq: s.last_event_seq };
        startedFresh = true;
        round.recovered = false;
        position.set(ns, s.last_event_seq);
        persist(true);
        queue(async () => {
          for (const c of [...d.conversations()]) if (c.ns === ns && c.loaded) await c.fetchAfter(c.seqs.upTo, "gap");
        });
        return;
      }
      position.set(ns, Math.max(position.get(ns) ?? 0, s.last_event_seq));
      if (s.recovered) {
        queue(async () => {});
        return;
      }
      round.recovered = false;
      queue(sync);
    },

    /**
     * A live event's position; returns false if it was seen already (a sync delivered it
     * before this live copy, or the other way round).
     */
    live(ns: Namespace, meta: { event_seq: number; epoch: string }): boolean {
      advance(meta.epoch, meta.event_seq);
      position.set(ns, Math.max(position.get(ns) ?? 0, meta.event_seq));
      if (synced) return true;
      if (seenLive.has(meta.event_seq)) return false;
      seenLive.add(meta.event_seq);
      return true;
    },

    /** Whether a synced event was already seen live during this catch-up. */
    seenLive(eventSeq: number): boolean {
      return !synced && seenLive.has(eventSeq);
    },

    /** A live message left a hole: fill it now, or leave it to the sync that is due. */
    hole(c: Conversation) {
      if (synced && c.seqs.hasGap) gaps.fill(c);
    },

    /** Resolves once no catch-up work is queued or running. */
    async settled(): Promise<void> {
      for (;;) {
        const c = chain;
        await Promise.all([c, ...gaps.running()]);
        if (c === chain && gaps.running().length === 0) return;
      }
    },

    /** Forgets the cursor (explicit logout). */
    async forget() {
      cursor = { epoch: null, last_event_seq: null };
      resumeFrom = null;
      clearTimeout(persistTimer);
      await d.store.delete("cursor");
    },

    /** Writes the cursor now (the client is closing). */
    flush() {
      if (persistTimer !== undefined) persist(true);
    },
  };
}

/** The catch-up part of a client. */
export type CatchUp = ReturnType<typeof createCatchUp>;
