// Unread counts as the server gives them, kept honest in the two cases where its messages
// alone would leave them wrong:
//  - GET /api/unread is a snapshot, and `unread_update`s keep arriving while it is out: an
//    update received meanwhile may be newer than the answer, so those are applied again on
//    top of it (the server gives neither a version; this covers the common case).
//  - in a group of more than UNREAD_FANOUT_MAX_MEMBERS (src/contract/limits.ts) the server
//    sends no update for a new message (only to the members it mentions), so the client
//    counts each new message from someone else itself, once per id, and uncounts it if it is
//    deleted, until the server's next number for that conversation (an update, a snapshot,
//    the user's own read) replaces the local count. The size comes from `view.setMembers`
//    or `group_updated`. The server's total already includes those messages once it sends
//    any update, so they count in `unreadTotal` only until then.
import { UNREAD_FANOUT_MAX_MEMBERS } from "../../src/contract/limits.ts";
import type { Message, UnreadState, UnreadUpdate } from "../../src/contract/models.ts";
import type { Conversation } from "./conversation-view.ts";
import { NS_OF_TYPE, type Namespace } from "./paths.ts";
import type { MessageChange, MessageSource } from "./types.ts";

/** What the unread part needs from the client. */
export interface UnreadDeps {
  get<T>(path: string): Promise<T>;
  conversation(ns: Namespace, id: string): Conversation;
  conversations(): Iterable<Conversation>;
  me(): string | undefined;
}

/** The unread counts of one client; see the file comment. */
export function createUnread(d: UnreadDeps) {
  let total = 0;
  /** Messages counted here since the server's last total (which will include them). */
  const sinceTotal = new Set<string>();
  /** Updates received while a snapshot request is out (null: none out). */
  let during: UnreadUpdate[] | null = null;
  let snapshots = 0;

  function apply(u: UnreadUpdate) {
    total = u.total_unread;
    sinceTotal.clear();
    d.conversation(NS_OF_TYPE[u.conversation_type], u.conversation_id).setUnread(u);
  }

  return {
    /** The user's total: the server's, plus the big-group messages counted since. */
    get total(): number {
      return total + sinceTotal.size;
    },

    /** `unread_update`. */
    update(u: UnreadUpdate): void {
      apply(u);
      during?.push(u);
    },

    /** A message accepted or changed in a conversation: counts big groups' new messages. */
    message(c: Conversation, m: Message, change: MessageChange, via: MessageSource): void {
      if (change === "deleted") {
        if (c.uncountUnread(m.id)) sinceTotal.delete(m.id);
        return;
      }
      if (change !== "new" || via === "history" || via === "ack" || c.ns !== "groups") return;
      if ((c.memberCount ?? 0) <= UNREAD_FANOUT_MAX_MEMBERS || m.seq === null || m.deleted) return;
      const me = d.me();
      // Own messages are not unread; a mention brings its own update.
      if (!me || m.sender.id === me || (m.mentions ?? []).includes(me)) return;
      if (c.countUnread(m.id)) sinceTotal.add(m.id);
    },

    /** GET /api/unread, replacing every count; updates received meanwhile are applied again on top. */
    async refresh(): Promise<void> {
      snapshots++;
      const mine = (during ??= []);
      try {
        const summary = await d.get<{ total: number; conversations: UnreadState[] }>("/api/unread");
        total = summary.total;
        sinceTotal.clear();
        const listed = new Set<Conversation>();
        for (const u of summary.conversations) {
          const c = d.conversation(NS_OF_TYPE[u.type], u.conversation_id);
          listed.add(c);
          c.setUnread(u);
        }
        // The summary lists only conversations with unread messages or a mute: the rest are read.
        for (const c of d.conversations()) if (!listed.has(c)) c.setUnread({ unread_count: 0, mentioned: false, muted_until: null });
        for (const u of mine) apply(u);
      } finally {
        if (--snapshots === 0) during = null;
      }
    },
  };
}

/** The unread part of a client. */
export type Unread = ReturnType<typeof createUnread>;
