// Sends that survive anything short of a refusal: each gets its client_message_id once,
// is written to the store's outbox before it is emitted, and is emitted again (same id)
// after an ack timeout, a transient error ack or a reconnect, with jittered backoff, until
// acked. The server dedupes on (sender, client_message_id), so a retry of a send whose ack
// was lost returns the original message and is delivered once. A refusal no retry can
// change (validation, forbidden, blocked, muted, not found...) drops it and rejects.
// A new client given the same store resends what the previous one left (a reload).
import type { AckResponse } from "../../src/contract/events.ts";
import type { Message } from "../../src/contract/models.ts";
import { backoffDelay, quietTimeout, type Backoff } from "./backoff.ts";
import { AUTH_CODES, ChatError, toChatError } from "./errors.ts";
import type { Namespace } from "./paths.ts";
import type { ChatStore } from "./stores.ts";
import type { ChatClientStats, OutboxEntry } from "./types.ts";

/** What the outbox needs from the client. */
export interface OutboxDeps {
  store: ChatStore;
  ackTimeoutMs: number;
  backoff: Backoff;
  stats: ChatClientStats;
  userId(): string | undefined;
  connected(ns: Namespace): boolean;
  emit(ns: Namespace, payload: OutboxEntry["payload"], timeoutMs: number): Promise<AckResponse<{ message: Message; duplicate: boolean }>>;
  delivered(entry: OutboxEntry, message: Message): void;
  failed(entry: OutboxEntry, error: ChatError): void;
  changed(entry: OutboxEntry): void;
  refreshAuth(): Promise<unknown>;
  signal: { closed: boolean };
}

/** A UUID for client_message_id: crypto.randomUUID (browsers in a secure context, Node ≥ 19), else 128 random bits. */
export function newClientMessageId(): string {
  const c = globalThis.crypto;
  if (typeof c?.randomUUID === "function") return c.randomUUID();
  const b = c.getRandomValues(new Uint8Array(16));
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** The outbox of one client; see the file comment. */
export function createOutbox(d: OutboxDeps) {
  const entries = new Map<string, OutboxEntry>();
  const waiters = new Map<string, { resolve(m: Message): void; reject(e: ChatError): void }>();
  const running = new Set<string>();
  /** Pauses to cut short when a namespace connects: a retry goes out at once. */
  const wakers = new Map<Namespace, Set<() => void>>();
  let writes: Promise<void> = Promise.resolve();

  /** Ids this client delivered or dropped (the last 1000): never written back. */
  const done = new Set<string>();

  /**
   * Writes the outbox, serialised, merged with what is stored: another client on the same
   * store (a second tab) may have queued sends of its own, which must not be overwritten.
   */
  function persist(): Promise<void> {
    writes = writes
      .then(async () => {
        const stored = (await d.store.get<OutboxEntry[]>("outbox")) ?? [];
        const others = stored.filter((e) => !entries.has(e.client_message_id) && !done.has(e.client_message_id));
        await d.store.set("outbox", [...others, ...entries.values()]);
      })
      .catch(() => {});
    return writes;
  }

  function pause(ns: Namespace, ms: number): Promise<void> {
    return new Promise((resolve) => {
      let set = wakers.get(ns);
      if (!set) wakers.set(ns, (set = new Set()));
      const wake = () => {
        clearTimeout(timer);
        set.delete(wake);
        resolve();
      };
      const timer = quietTimeout(wake, ms);
      set.add(wake);
    });
  }

  function settle(e: OutboxEntry, result: { message: Message } | { error: ChatError }) {
    entries.delete(e.client_message_id);
    done.add(e.client_message_id);
    if (done.size > 1000) done.delete(done.values().next().value!);
    void persist();
    d.changed(e);
    const w = waiters.get(e.client_message_id);
    waiters.delete(e.client_message_id);
    if ("message" in result) {
      d.delivered(e, result.message);
      w?.resolve(result.message);
    } else {
      d.failed(e, result.error);
      w?.reject(result.error);
    }
  }

  async function deliver(e: OutboxEntry) {
    const id = e.client_message_id;
    if (running.has(id)) return;
    running.add(id);
    try {
      for (let attempt = 0; !d.signal.closed && entries.has(id); ) {
        if (!d.connected(e.ns)) {
          await pause(e.ns, 30_000); // woken by the namespace's connect
          continue;
        }
        if (e.attempts > 0) d.stats.sendRetries++;
        e.attempts++;
        let res: AckResponse<{ message: Message; duplicate: boolean }>;
        try {
          res = await d.emit(e.ns, e.payload, d.ackTimeoutMs);
        } catch (err) {
          // No ack in time, or the socket dropped: the server may or may not have it.
          // The same id again is safe.
          e.last_error = toChatError(err, "timeout").message;
          await pause(e.ns, backoffDelay(d.backoff, attempt++));
          continue;
        }
        if (res.ok) return settle(e, { message: res.message });
        const err = new ChatError(res.error.code, res.error.message);
        if (err.permanent) return settle(e, { error: err });
        e.last_error = err.code;
        if (AUTH_CODES.has(err.code)) await d.refreshAuth().catch(() => {});
        await pause(e.ns, backoffDelay(d.backoff, attempt++));
      }
    } finally {
      running.delete(id);
    }
  }

  return {
    /** Queues a send (written to the store first) and resolves with the stored message. */
    async add(ns: Namespace, payload: OutboxEntry["payload"]): Promise<Message> {
      const e: OutboxEntry = { client_message_id: payload.client_message_id, ns, chat_id: payload.chat_id, payload, user_id: d.userId(), created_at: new Date().toISOString(), attempts: 0 };
      const done = new Promise<Message>((resolve, reject) => waiters.set(e.client_message_id, { resolve, reject }));
      entries.set(e.client_message_id, e);
      await persist();
      d.changed(e);
      void deliver(e);
      return done;
    },

    /** Takes over what a previous client left in the store (this user's sends only). */
    async load(): Promise<void> {
      const stored = (await d.store.get<OutboxEntry[]>("outbox")) ?? [];
      const me = d.userId();
      for (const e of stored) {
        if (entries.has(e.client_message_id)) continue;
        if (e.user_id !== undefined && me !== undefined && e.user_id !== me) continue;
        entries.set(e.client_message_id, e);
        d.changed(e);
      }
    },

    /** Starts delivering every entry (after load, once sockets exist). */
    start() {
      for (const e of entries.values()) void deliver(e);
    },

    /** A namespace connected: retries waiting on it go out now. */
    wake(ns: Namespace) {
      for (const w of [...(wakers.get(ns) ?? [])]) w();
    },

    /** Every pending entry, oldest first. */
    entries(): OutboxEntry[] {
      return [...entries.values()];
    },

    /** Stops retrying (the client closed); entries stay in the store for the next client. */
    stop() {
      for (const set of wakers.values()) for (const w of [...set]) w();
      for (const [id, w] of waiters) w.reject(new ChatError("closed", `The client closed before ${id} was acknowledged; it stays in the outbox`));
      waiters.clear();
    },

    /** Forgets every entry (explicit logout). */
    async clear() {
      entries.clear();
      writes = writes.then(() => d.store.delete("outbox")).catch(() => {});
      await writes;
    },
  };
}

/** The outbox of one client. */
export type Outbox = ReturnType<typeof createOutbox>;
