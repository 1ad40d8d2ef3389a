// History reads of one conversation: the latest page, older pages (scroll-back), pages after a
// seq (gap fills, a resync) and the reread of the latest page after a resync. Each page goes
// through the conversation's `accept`, like every other way a message arrives.
import type { Message } from "../../src/contract/models.ts";
import { historyPaths, type Namespace } from "./paths.ts";
import type { SeqTracker } from "./seq-tracker.ts";
import type { MessageSource } from "./types.ts";

/** What the pages need of their conversation. */
export interface PageTarget {
  readonly ns: Namespace;
  readonly id: string;
  readonly seqs: SeqTracker;
  loaded: boolean;
  accept(m: Message, via: MessageSource): unknown;
  /** A copy just read from the server: replaces the held one where it differs. */
  fresh(m: Message): void;
}

/** What the pages need of the client. */
export interface PageDeps {
  get<T>(path: string): Promise<T>;
  countHistoryRequest(): void;
}

/** The history reads of one conversation; `changed` runs when `loading` changes or a page is in. */
export class HistoryPages {
  #c: PageTarget;
  #d: PageDeps;
  #changed: () => void;
  #loading = 0;
  #older: Promise<readonly Message[]> | null = null;
  #pageSize = 50;

  constructor(c: PageTarget, d: PageDeps, changed: () => void) {
    this.#c = c;
    this.#d = d;
    this.#changed = changed;
  }

  get loading(): boolean {
    return this.#loading > 0;
  }

  async #get(query: string, latest = false): Promise<Message[]> {
    this.#d.countHistoryRequest();
    const paths = historyPaths(this.#c.ns, this.#c.id);
    return (await this.#d.get<{ messages: Message[] }>((latest ? paths.latest : paths.history) + query)).messages;
  }

  /** Runs a page load with `loading` set (and told) while it is out. */
  async #load<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#loading++ === 0) this.#changed();
    try {
      return await fn();
    } finally {
      if (--this.#loading === 0) this.#changed();
    }
  }

  latest(count: number): Promise<readonly Message[]> {
    this.#pageSize = count;
    return this.#load(async () => {
      const messages = await this.#get(`?count=${count}`, true);
      this.#c.loaded = true;
      // Newest first: the first one anchors the seq range, older ones extend it downwards.
      for (let i = messages.length - 1; i >= 0; i--) this.#c.accept(messages[i]!, "history");
      return messages;
    });
  }

  older(count: number): Promise<readonly Message[]> {
    const { seqs } = this.#c;
    if (!seqs.anchored) return this.latest(count);
    if (seqs.low <= 1) return Promise.resolve([]);
    this.#older ??= this.#load(async () => {
      const page = await this.#get(`?before_seq=${seqs.low}&limit=${count}`);
      this.#c.loaded = true;
      for (let i = page.length - 1; i >= 0; i--) this.#c.accept(page[i]!, "history");
      return page;
    }).finally(() => {
      this.#older = null;
    });
    return this.#older;
  }

  /** Reads pages after `afterSeq` until the server has no more; returns how many messages were read. */
  async after(afterSeq: number, via: MessageSource, pageSize = 200): Promise<number> {
    const { seqs } = this.#c;
    let after = afterSeq;
    let total = 0;
    for (;;) {
      const page = await this.#get(`?after_seq=${after}&limit=${pageSize}`);
      total += page.length;
      for (const m of page) this.#c.accept(m, via);
      const last = page[page.length - 1]?.seq;
      if (!page.length || last == null || last <= after) return total;
      // A short page is the end unless a hole remains above what we now hold.
      if (page.length < pageSize && !seqs.hasGap) return total;
      after = Math.max(last, seqs.upTo);
    }
  }

  /**
   * After a resync (410) the events that carried edits, deletes and reactions are gone: the
   * latest page (as large as the app's last) is read again, and its copies replace the held
   * ones that differ.
   */
  reread(): Promise<void> {
    return this.#load(async () => {
      const messages = await this.#get(`?count=${this.#pageSize}`, true);
      for (let i = messages.length - 1; i >= 0; i--) this.#c.fresh(messages[i]!);
    });
  }
}
