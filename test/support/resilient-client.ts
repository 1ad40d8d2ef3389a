// The delivery tests' client: the SDK (client/), which carries the catch-up algorithm of
// docs/DELIVERY.md (connection-state recovery, else sync from the cursor as it was at the
// drop, 410 → history, gap fill from history, dedupe by id and seq), with the surface the
// tests were written against: every message it holds by id, the SDK's counters (which path
// delivered what, so a test prints how the guarantee was met), and the socket to break.
import { randomUUID } from "node:crypto";
import { createChatClient, type ChatClient, type ChatClientStats, type ChatSocket, type Message, type Namespace } from "../../client/src/index.ts";
import type { Api } from "./http.ts";

export type ResilientStats = ChatClientStats;

export class ResilientClient {
  readonly client: ChatClient;
  readonly ns: Namespace;
  readonly token: string;
  readonly rest: Api;
  readonly historyPath: (conversationId: string) => string;

  /**
   * `rest` and `historyPath` are kept for the callers' sake: the SDK knows the REST paths of
   * each conversation kind itself. Without a refresh token, an expired or refused token
   * ends the client (logged_out).
   */
  constructor(
    url: string,
    ns: Namespace,
    token: string,
    rest: Api,
    historyPath: (conversationId: string) => string,
    transports: ("websocket" | "polling")[] = ["websocket"],
    reconnection = true,
  ) {
    this.ns = ns;
    this.token = token;
    this.rest = rest;
    this.historyPath = historyPath;
    this.client = createChatClient({
      url,
      tokens: { access_token: token },
      namespaces: [ns],
      transports,
      trackUnread: false,
      // A sticky key per client spreads the clients over the nodes behind nginx.
      socketOptions: { query: { sticky: randomUUID() }, reconnection, reconnectionDelay: 100, reconnectionDelayMax: 1000, randomizationFactor: 0.3 },
    });
  }

  /** The namespace's socket (exists once the client has started: after `ready()`). */
  get socket(): ChatSocket {
    const s = this.client.socket(this.ns);
    if (!s) throw new Error("the client has not started yet: await ready() first");
    return s;
  }

  /** Every message the SDK's conversation views hold, by id. */
  get messages(): Map<string, Message> {
    const all = new Map<string, Message>();
    for (const view of this.client.conversations()) for (const m of view.messages) all.set(m.id, m);
    return all;
  }

  get stats(): ResilientStats {
    return this.client.stats;
  }

  /** Per reconnect, ms from the drop to the server's `session`. */
  get reconnectTimes(): number[] {
    return this.client.stats.reconnectTimes;
  }

  get lastEventSeq(): number {
    return this.client.cursor.last_event_seq ?? 0;
  }

  get epoch(): string | undefined {
    return this.client.cursor.epoch ?? undefined;
  }

  /** Connected, and caught up the first time. */
  ready(): Promise<void> {
    return this.client.ready();
  }

  /** Waits until all catch-up work queued so far is done. */
  settled(): Promise<void> {
    return this.client.settled();
  }

  close(): void {
    this.client.close();
  }
}
