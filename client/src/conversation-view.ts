// One conversation as the client holds it, and the view an app renders from: messages
// deduped by id and seq and ordered by seq, the sends still pending, unread state, who is
// typing, members' presence. Every way a message arrives (live, replay, sync, gap fill,
// history, ack) goes through `accept`, so the paths cannot disagree, and each rule is
// idempotent: applying a message twice, or an old copy after a newer one, changes nothing.
import type { ConversationType, Message, UnreadUpdate } from "../../src/contract/models.ts";
import type { ConversationDeps, ConversationView, Presence, SendInput, Typist } from "./conversation-api.ts";
import { isNewer, orderMessages } from "./message-order.ts";
import { HistoryPages } from "./history-pages.ts";
import { TYPE_OF_NS, type Namespace } from "./paths.ts";
import { SeqTracker } from "./seq-tracker.ts";
import { TypingSet } from "./typing.ts";
import type { MessageChange, MessageSource } from "./types.ts";

export type { ConversationDeps, ConversationView, Presence, SendInput, Typist };

/** One conversation's state; implements the view an app sees. */
export class Conversation implements ConversationView {
  readonly ns: Namespace;
  readonly id: string;
  readonly type: ConversationType;
  readonly seqs = new SeqTracker();
  readonly members = new Set<string>();
  /** Whether the app loaded history here (a resync refetches it). */
  loaded = false;
  /** The group's size once told (setMembers, group_updated). */
  memberCount: number | null = null;
  #pages: HistoryPages;
  /** Ids of the messages the client counted as unread itself (a big group), on top of the server's count. */
  #extra = new Set<string>();
  #d: ConversationDeps;
  #byId = new Map<string, Message>();
  #ordered: Message[] | null = null;
  #listeners = new Set<() => void>();
  #typing: TypingSet;
  #presence: Map<string, Presence> | null = null;
  #unread = { count: 0, mentioned: false, mutedUntil: null as string | null };
  #notifyQueued = false;

  constructor(ns: Namespace, id: string, d: ConversationDeps) {
    this.ns = ns;
    this.id = id;
    this.type = TYPE_OF_NS[ns];
    this.#d = d;
    this.#typing = new TypingSet(d.typingTtlMs, () => this.#notify());
    this.#pages = new HistoryPages(this, d, () => this.#notify());
  }

  get messages(): readonly Message[] {
    this.#ordered ??= orderMessages([...this.#byId.values()], this.#d.maxMessages);
    return this.#ordered;
  }

  get pending() {
    const all = this.#d.pending(this);
    if (!all.length) return all;
    // Stored but its ack lost, then seen in a page or a sync: the message shows, not the send.
    const held = new Set(this.messages.map((m) => m.client_message_id));
    return all.filter((e) => !held.has(e.client_message_id));
  }
  get unread() {
    return this.#unread.count + this.#extra.size;
  }
  get mentioned() {
    return this.#unread.mentioned;
  }
  get mutedUntil() {
    return this.#unread.mutedUntil;
  }
  get typing(): readonly string[] {
    return this.#typing.ids;
  }
  get typingUsers(): readonly Typist[] {
    return this.#typing.users;
  }
  get loading() {
    return this.#pages.loading;
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
    this.#typing.stop(m.sender.id);
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

  /** unread_update or a GET /api/unread entry: the server's numbers, which include what was counted here. */
  setUnread(u: Pick<UnreadUpdate, "unread_count" | "mentioned" | "muted_until">): void {
    if (this.#unread.count === u.unread_count && this.#unread.mentioned === u.mentioned && this.#unread.mutedUntil === u.muted_until && this.#extra.size === 0) return;
    this.#unread = { count: u.unread_count, mentioned: u.mentioned, mutedUntil: u.muted_until };
    this.#extra.clear();
    this.#notify();
  }

  /** A new message the server sends no unread_update for (a big group): counted once per id. */
  countUnread(messageId: string): boolean {
    if (this.#extra.has(messageId)) return false;
    this.#extra.add(messageId);
    this.#notify();
    return true;
  }

  /** A message counted here was deleted: it no longer counts. */
  uncountUnread(messageId: string): boolean {
    if (!this.#extra.delete(messageId)) return false;
    this.#notify();
    return true;
  }

  setMembers(userIds: readonly string[]): void {
    this.members.clear();
    for (const u of userIds) this.members.add(u);
    this.memberCount = userIds.length;
    this.presenceChanged();
  }

  /** typing_indicator: shown until stopped, a message from the typist, or the TTL. */
  typingIndicator(userId: string, username: string, isTyping: boolean): void {
    if (userId === this.#d.me()) return;
    this.members.add(userId);
    if (isTyping) this.#typing.start(userId, username);
    else this.#typing.stop(userId);
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
    this.#typing.dispose();
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
  fetchAfter(afterSeq: number, via: MessageSource, pageSize = 200): Promise<number> {
    return this.#pages.after(afterSeq, via, pageSize);
  }

  loadLatest(count = 50): Promise<readonly Message[]> {
    return this.#pages.latest(count);
  }

  loadOlder(count = 50): Promise<readonly Message[]> {
    return this.#pages.older(count);
  }

  /** Reads the latest page again (after a resync): see HistoryPages.reread. */
  reread(): Promise<void> {
    return this.#pages.reread();
  }

  fresh(m: Message): void {
    const cur = this.#byId.get(m.id);
    if (!cur) this.accept(m, "gap");
    else if (isNewer(m, cur)) this.#replace(m, m.deleted ? "deleted" : "updated", "gap");
    else if (!m.deleted && JSON.stringify(m.reactions) !== JSON.stringify(cur.reactions)) this.#replace({ ...cur, reactions: m.reactions }, "reactions", "gap");
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
