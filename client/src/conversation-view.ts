// One conversation as the client holds it, and the view an app renders from: messages
// deduped by id and seq and ordered by seq, the sends still pending, unread state, who is
// typing, members' presence. Every way a message arrives (live, replay, sync, gap fill,
// history, ack) goes through `accept`, so the paths cannot disagree, and each rule is
// idempotent: applying a message twice, or an old copy after a newer one, changes nothing.
import type { ConversationType, Message, UnreadUpdate } from "../../src/contract/models.ts";
import { quietTimeout } from "./backoff.ts";
import { historyPaths, TYPE_OF_NS, type Namespace } from "./paths.ts";
import { SeqTracker } from "./seq-tracker.ts";
import type { MessageChange, MessageSource, OutboxEntry } from "./types.ts";

/** A user's presence as `user_presence_update` last told it. */
export interface Presence {
  status: "online" | "offline";
  last_seen: string | null;
  mood: string | null;
}

/** What a conversation needs from the client. */
export interface ConversationDeps {
  maxMessages: number;
  typingTtlMs: number;
  /** GET a REST path (authorized). */
  get<T>(path: string): Promise<T>;
  /** A message was accepted or changed: the client's `message` event and stats. */
  changed(c: Conversation, m: Message, change: MessageChange, via: MessageSource): void;
  duplicate(): void;
  countHistoryRequest(): void;
  pending(c: Conversation): readonly OutboxEntry[];
  presence(userId: string): Presence | undefined;
  /** The client's user id (its own typing is not shown). */
  me(): string | undefined;
  send(c: Conversation, input: SendInput): Promise<Message>;
  markRead(c: Conversation, seq: number): Promise<void>;
}

/** What `view.send` takes: the send_message payload without chat_id and client_message_id. */
export interface SendInput {
  text?: string;
  reply_to_message_id?: string | null;
  [field: string]: unknown;
}

/**
 * What an app renders one conversation from. Read its fields after each `subscribe`
 * notification; they are snapshots (arrays and maps are replaced, not mutated).
 */
export interface ConversationView {
  readonly ns: Namespace;
  readonly id: string;
  readonly type: ConversationType;
  /** Messages held, ordered by seq (incognito messages, which have none, by time among them). */
  readonly messages: readonly Message[];
  /** Sends of this conversation waiting for their ack (in the outbox), oldest first. */
  readonly pending: readonly OutboxEntry[];
  /** Unread messages (from unread_update or GET /api/unread); 0 until told. */
  readonly unread: number;
  /** Whether an unread message mentions the user. */
  readonly mentioned: boolean;
  /** Until when the user muted it (null: not muted). */
  readonly mutedUntil: string | null;
  /** Ids of the users typing now (indicators expire after `typingTtlMs`). */
  readonly typing: readonly string[];
  /** Presence of the members the client knows of (senders, typists, group members). */
  readonly presence: ReadonlyMap<string, Presence>;
  /** Every seq from the oldest held one to this one has been seen (0: none yet). */
  readonly contiguousThrough: number;
  /** Whether older messages exist than the oldest held (seq is gap-free from 1). */
  readonly hasOlder: boolean;
  /** Calls `listener` after every change; returns the function that stops it. */
  subscribe(listener: () => void): () => void;
  /** Loads the newest `count` messages (default 50) and merges them. */
  loadLatest(count?: number): Promise<readonly Message[]>;
  /** Loads the page before the oldest message held (default 50); resolves with that page. */
  loadOlder(count?: number): Promise<readonly Message[]>;
  /** Sends a message here (see `client.send`). */
  send(input: SendInput | string): Promise<Message>;
  /** Marks read up to `seq` (default: the newest held), and clears the unread count here at once. */
  markRead(seq?: number): Promise<void>;
  /**
   * Takes every message up to `seq` as already held (an app's own cache, a load generator
   * that knows where a chat stands): later copies of them are duplicates, and a live message
   * after `seq + 1` is a hole to fill.
   */
  seenThrough(seq: number): void;
}

function isNewer(a: Message, b: Message): boolean {
  if (a.deleted !== b.deleted) return a.deleted;
  return (a.last_edited_at ?? "") > (b.last_edited_at ?? "");
}

/** One conversation's state; implements the view an app sees. */
export class Conversation implements ConversationView {
  readonly ns: Namespace;
  readonly id: string;
  readonly type: ConversationType;
  readonly seqs = new SeqTracker();
  readonly members = new Set<string>();
  /** Whether the app loaded history here (a resync refetches it). */
  loaded = false;
  #d: ConversationDeps;
  #byId = new Map<string, Message>();
  #ordered: Message[] | null = null;
  #listeners = new Set<() => void>();
  #typing = new Map<string, ReturnType<typeof setTimeout>>();
  #typingList: string[] = [];
  #presence: Map<string, Presence> | null = null;
  #unread = { count: 0, mentioned: false, mutedUntil: null as string | null };
  #notifyQueued = false;

  constructor(ns: Namespace, id: string, d: ConversationDeps) {
    this.ns = ns;
    this.id = id;
    this.type = TYPE_OF_NS[ns];
    this.#d = d;
  }

  get messages(): readonly Message[] {
    if (!this.#ordered) {
      const all = [...this.#byId.values()];
      const stored = all.filter((m) => m.seq !== null).sort((a, b) => a.seq! - b.seq!);
      const noSeq = all.filter((m) => m.seq === null).sort((a, b) => a.created_at.localeCompare(b.created_at));
      let out: Message[] = stored;
      if (noSeq.length) {
        out = [];
        let i = 0;
        for (const m of stored) {
          while (i < noSeq.length && noSeq[i]!.created_at < m.created_at) out.push(noSeq[i++]!);
          out.push(m);
        }
        out.push(...noSeq.slice(i));
      }
      this.#ordered = out.length > this.#d.maxMessages ? out.slice(out.length - this.#d.maxMessages) : out;
    }
    return this.#ordered;
  }

  get pending() {
    return this.#d.pending(this);
  }
  get unread() {
    return this.#unread.count;
  }
  get mentioned() {
    return this.#unread.mentioned;
  }
  get mutedUntil() {
    return this.#unread.mutedUntil;
  }
  get typing(): readonly string[] {
    return this.#typingList;
  }
  get presence(): ReadonlyMap<string, Presence> {
    if (!this.#presence) {
      this.#presence = new Map();
      for (const id of this.members) {
        const p = this.#d.presence(id);
        if (p) this.#presence.set(id, p);
      }
    }
    return this.#presence;
  }
  get contiguousThrough() {
    return this.seqs.upTo;
  }
  get hasOlder() {
    return this.seqs.anchored ? this.seqs.low > 1 : !this.loaded;
  }

  /** A message held here by id (undefined once trimmed). */
  get(id: string): Message | undefined {
    return this.#byId.get(id);
  }

  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Takes a message from any path. Returns what changed, or null for a duplicate. A copy
   * of a message already seen replaces ours only when it is further along (deleted, or
   * edited later): a replay may carry an older state than the one we hold.
   */
  accept(m: Message, via: MessageSource): MessageChange | null {
    const cur = this.#byId.get(m.id);
    const seen = cur !== undefined || (m.seq !== null && this.seqs.has(m.seq));
    if (seen) {
      if (cur && isNewer(m, cur)) return this.#replace(m, m.deleted ? "deleted" : "updated", via);
      this.#d.duplicate();
      return null;
    }
    if (m.seq !== null) this.seqs.add(m.seq);
    this.members.add(m.sender.id);
    this.#stopTyping(m.sender.id);
    this.#insert(m);
    this.#d.changed(this, m, "new", via);
    this.#notify();
    return "new";
  }

  /** message_updated / message_deleted: applies unless ours is deleted or edited later. */
  update(m: Message, via: MessageSource): MessageChange | null {
    const change: MessageChange = m.deleted ? "deleted" : "updated";
    const cur = this.#byId.get(m.id);
    if (!cur) {
      // Not held (trimmed, or older than what was loaded): the app may hold it; tell it.
      // A message never seen at all (missed) is a new one to us.
      if (m.seq !== null && !this.seqs.has(m.seq)) return this.accept(m, via);
      this.#d.changed(this, m, change, via);
      return change;
    }
    if (!m.deleted && (cur.deleted || (cur.last_edited_at ?? "") > (m.last_edited_at ?? ""))) {
      this.#d.duplicate();
      return null;
    }
    if (cur.deleted && m.deleted) {
      this.#d.duplicate();
      return null;
    }
    return this.#replace(m, change, via);
  }

  /** message_reaction_update: the held message with its new reactions. */
  reactions(messageId: string, reactions: Message["reactions"], via: MessageSource): void {
    const cur = this.#byId.get(messageId);
    if (!cur || cur.deleted) return;
    this.#replace({ ...cur, reactions }, "reactions", via);
  }

  #replace(m: Message, change: MessageChange, via: MessageSource): MessageChange {
    this.#byId.set(m.id, m);
    this.#ordered = null;
    this.#d.changed(this, m, change, via);
    this.#notify();
    return change;
  }

  #insert(m: Message) {
    if (this.#d.maxMessages <= 0) return;
    this.#byId.set(m.id, m);
    this.#ordered = null;
    // Trim in batches (sorting on every insert would cost a sort per message).
    const max = this.#d.maxMessages;
    if (this.#byId.size > max + Math.max(10, Math.floor(max / 10))) {
      const keep = new Set(this.messages);
      for (const x of [...this.#byId.values()]) if (!keep.has(x)) this.#byId.delete(x.id);
    }
  }

  /** unread_update or a GET /api/unread entry. */
  setUnread(u: Pick<UnreadUpdate, "unread_count" | "mentioned" | "muted_until">): void {
    if (this.#unread.count === u.unread_count && this.#unread.mentioned === u.mentioned && this.#unread.mutedUntil === u.muted_until) return;
    this.#unread = { count: u.unread_count, mentioned: u.mentioned, mutedUntil: u.muted_until };
    this.#notify();
  }

  /** typing_indicator: shown until stopped, a message from the typist, or the TTL. */
  typingIndicator(userId: string, isTyping: boolean): void {
    if (userId === this.#d.me()) return;
    this.members.add(userId);
    if (!isTyping) return this.#stopTyping(userId);
    clearTimeout(this.#typing.get(userId));
    this.#typing.set(userId, quietTimeout(() => this.#stopTyping(userId), this.#d.typingTtlMs));
    this.#typingList = [...this.#typing.keys()];
    this.#notify();
  }

  #stopTyping(userId: string) {
    const t = this.#typing.get(userId);
    if (t === undefined) return;
    clearTimeout(t);
    this.#typing.delete(userId);
    this.#typingList = [...this.#typing.keys()];
    this.#notify();
  }

  /** A member's presence changed (or the member list did). */
  presenceChanged(userId?: string): void {
    if (userId !== undefined && !this.members.has(userId)) return;
    this.#presence = null;
    this.#notify();
  }

  /** The outbox changed for this conversation. */
  pendingChanged(): void {
    this.#notify();
  }

  /** Stops the typing timers (the client closed). */
  dispose(): void {
    for (const t of this.#typing.values()) clearTimeout(t);
    this.#typing.clear();
    this.#listeners.clear();
  }

  // Listeners run once per microtask however many messages a page brought.
  #notify() {
    if (this.#notifyQueued || this.#listeners.size === 0) return;
    this.#notifyQueued = true;
    queueMicrotask(() => {
      this.#notifyQueued = false;
      for (const l of [...this.#listeners]) l();
    });
  }

  /** Reads history pages after `afterSeq` until the server has no more; returns how many were read. */
  async fetchAfter(afterSeq: number, via: MessageSource, pageSize = 200): Promise<number> {
    let after = afterSeq;
    let total = 0;
    for (;;) {
      const page = await this.#history(`?after_seq=${after}&limit=${pageSize}`);
      total += page.length;
      for (const m of page) this.accept(m, via);
      const last = page[page.length - 1]?.seq;
      if (!page.length || last == null || last <= after) return total;
      // A short page is the end unless a hole remains above what we now hold.
      if (page.length < pageSize && !this.seqs.hasGap) return total;
      after = Math.max(last, this.seqs.upTo);
    }
  }

  async #history(query: string): Promise<Message[]> {
    this.#d.countHistoryRequest();
    return (await this.#d.get<{ messages: Message[] }>(historyPaths(this.ns, this.id).history + query)).messages;
  }

  async loadLatest(count = 50): Promise<readonly Message[]> {
    this.#d.countHistoryRequest();
    const { messages } = await this.#d.get<{ messages: Message[] }>(`${historyPaths(this.ns, this.id).latest}?count=${count}`);
    this.loaded = true;
    // Newest first: the first one anchors the seq range, older ones extend it downwards.
    for (let i = messages.length - 1; i >= 0; i--) this.accept(messages[i]!, "history");
    this.#notify();
    return messages;
  }

  async loadOlder(count = 50): Promise<readonly Message[]> {
    if (!this.seqs.anchored) return this.loadLatest(count);
    if (this.seqs.low <= 1) return [];
    const page = await this.#history(`?before_seq=${this.seqs.low}&limit=${count}`);
    this.loaded = true;
    for (let i = page.length - 1; i >= 0; i--) this.accept(page[i]!, "history");
    return page;
  }

  seenThrough(seq: number): void {
    this.seqs.assume(seq);
  }

  send(input: SendInput | string): Promise<Message> {
    return this.#d.send(this, typeof input === "string" ? { text: input } : input);
  }

  async markRead(seq?: number): Promise<void> {
    const target = seq ?? this.seqs.highest;
    if (target <= 0) return;
    this.setUnread({ unread_count: 0, mentioned: false, muted_until: this.#unread.mutedUntil });
    await this.#d.markRead(this, target);
  }
}
