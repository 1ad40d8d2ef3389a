// @ts-check
// Catching up after a reconnect (SPEC §5, docs/WEB-CLIENT.md):
//  - The server sends `session` on every connect, after it has put the socket in its rooms,
//    so from then on nothing is missed live; that is when we decide what to fetch.
//  - recovered: Socket.IO's connection-state recovery already replayed the missed events.
//  - not recovered: GET /api/events/sync?since=<cursor>&epoch=<epoch>, page by page until
//    has_more is false, through the same event handler as live events (dedupe by id).
//  - 410 resync_required (events pruned, or a new epoch): drop what we hold and refetch
//    the open conversation's latest history instead.
// The three namespaces share one connection but reconnect one by one, and a namespace that
// is back early already moves the cursor on; so we sync from the cursor as it was when the
// connection dropped, until every namespace is back.

/** @typedef {import("./store.js").Store} Store */
/** @typedef {import("./types.js").Namespace} Namespace */
/** @typedef {{ epoch: string, events: { event_seq: number, type: string, namespace: string, data: any }[], next: number, has_more: boolean, retry_after_ms?: number }} SyncPage */
/** @typedef {{ user_id: string, recovered: boolean, epoch: string, last_event_seq: number }} SessionInfo */

export const SYNC_PAGE_SIZE = 200;

/**
 * @param {{
 *   store: Store,
 *   get: (path: string) => Promise<SyncPage>,
 *   apply: (ns: Namespace, type: string, data: any) => void,
 *   resync: () => Promise<void>,
 *   refetchActive: () => Promise<void>,
 *   onRun?: () => void,
 * }} d
 */
export function createCatchUp(d) {
  const { state } = d.store;
  /** @type {Set<Namespace>} */
  const down = new Set(["couples", "groups", "dm"]);
  /** @type {number | null} */
  let resumeFrom = null;
  /** @type {SessionInfo | null} */
  let lastSession = null;
  /** Runs are serialized: a later run starts after the previous one. */
  let chain = Promise.resolve();

  async function sync() {
    d.onRun?.();
    let since = resumeFrom ?? state.cursor.seq ?? 0;
    const epoch = state.cursor.epoch;
    try {
      for (;;) {
        const q = new URLSearchParams({ since: String(since), limit: String(SYNC_PAGE_SIZE) });
        if (epoch) q.set("epoch", epoch);
        const page = await d.get(`/api/events/sync?${q}`);
        for (const e of page.events) d.apply(/** @type {Namespace} */ (e.namespace), e.type, e.data);
        d.store.advanceCursor({ epoch: page.epoch, event_seq: page.next });
        since = page.next;
        if (!page.has_more) break;
        // The server stopped at events still being written: ask again shortly.
        if (page.retry_after_ms) await new Promise((r) => setTimeout(r, page.retry_after_ms));
      }
    } catch (err) {
      const e = /** @type {{ status?: number, code?: string, details?: { epoch?: string } }} */ (err);
      if (e.status !== 410) throw err;
      // Too far behind (pruned) or another stream (epoch): history is the source of truth now.
      await d.resync();
      state.cursor = { epoch: e.details?.epoch ?? lastSession?.epoch ?? null, seq: lastSession?.last_event_seq ?? 0 };
    }
  }

  return {
    /** The socket of `ns` dropped: remember where we were. @param {Namespace} ns */
    disconnected(ns) {
      down.add(ns);
      if (resumeFrom === null && state.cursor.seq !== null) resumeFrom = state.cursor.seq;
    },

    /**
     * The server's `session` event: the socket is in its rooms and live again.
     * @param {Namespace} ns @param {SessionInfo} s @param {boolean} recovered socket.recovered
     * @returns {Promise<void>} settles when this namespace has caught up
     */
    session(ns, s, recovered) {
      lastSession = s;
      down.delete(ns);
      chain = chain
        .then(async () => {
          if (state.cursor.seq === null) {
            // First connect of this page: history is loaded over REST; just make sure the
            // open conversation has nothing from before the socket joined its rooms.
            state.cursor = { epoch: s.epoch, seq: s.last_event_seq };
            await d.refetchActive();
          } else if (!recovered) {
            await sync();
          }
          if (down.size === 0) resumeFrom = null;
        })
        .catch((err) => console.warn("catch-up failed; will retry on the next reconnect", err));
      return chain;
    },

    /** For tests and the debug view. */
    get resumeFrom() {
      return resumeFrom;
    },
  };
}

/** @typedef {ReturnType<typeof createCatchUp>} CatchUp */
