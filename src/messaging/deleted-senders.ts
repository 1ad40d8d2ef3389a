// Nothing half-deleted is served while an account deletion runs (issue 15). The deletion
// tombstones the user row at once and the user's messages page by page in the background
// (src/account/account-deletion.service.ts); until a page is reached, its messages are still
// stored with their text, and the event log keeps the original `new_message` events until
// retention. So every read that hands messages out (history, the latest window, thread
// lists, sync, exports of other users) passes them through here: a message whose sender's
// account is deleted is served as the tombstone step would leave it (seq kept, "Deleted
// user" card, text, media and reactions gone, deleted), and a deleted user's reactions on
// other messages are dropped (the reactions step removes them). A reply quoting such a
// message keeps its place but quotes nothing (the tombstone step leaves the quotes others
// made; this is the one place that sees them).
//
// The check is one lookup per distinct user of a page, answered by the user facts cache
// (src/users/user-facts.ts: cached per user, misses batched into one query, forgotten on
// every node when a deletion starts through the users-changed path): no query per message.
import type { Message, Reaction, ReplyTo } from "../contract/models.ts";
import { deletedCard } from "../users/deleted-user.ts";
import type { UserFacts } from "../users/user-facts.ts";
import { reactionSummary } from "./message.dto.ts";
import { tombstoneContent, type MessageRecord } from "./message.repository.ts";

export interface DeletedSenders {
  /** Of these users, those whose account is deleted or being deleted, with when (ms). */
  among(ids: Iterable<string>): Promise<Map<string, number>>;
}

export function deletedSendersFrom(facts: { get(userId: string): UserFacts | null | Promise<UserFacts | null> }): DeletedSenders {
  return {
    async among(ids) {
      const found = new Map<string, number>();
      const pending: Promise<void>[] = [];
      const note = (id: string, f: UserFacts | null) => {
        if (f?.deletedAt != null) found.set(id, f.deletedAt);
      };
      for (const id of new Set(ids)) {
        const f = facts.get(id);
        if (f instanceof Promise) pending.push(f.then((v) => note(id, v)));
        else note(id, f);
      }
      if (pending.length) await Promise.all(pending);
      return found;
    },
  };
}

/** The shape both a stored and a wire message share: enough to find whose they are. */
type Owned = { sender: { id: string }; reactions: Record<string, unknown>; reply_to: ReplyTo | null };

function usersOf(list: readonly Owned[]): Set<string> {
  const ids = new Set<string>();
  for (const m of list) {
    ids.add(m.sender.id);
    for (const id of Object.keys(m.reactions)) ids.add(id);
    if (m.reply_to?.sender?.id) ids.add(m.reply_to.sender.id);
  }
  return ids;
}

/** What is left of the rest of a message: no reactions of deleted users, no quote of their words. Null: nothing to change. */
function othersRedacted<M extends Owned>(m: M, deleted: Map<string, number>): Partial<M> | null {
  const reactions = withoutReactionsOf(m.reactions, deleted);
  const quoteId = m.reply_to?.sender?.id;
  const reply_to = quoteId && deleted.has(quoteId) ? { ...m.reply_to!, sender: deletedCard(quoteId), text: "", media: null } : null;
  if (!reactions && !reply_to) return null;
  return { ...(reactions ? { reactions } : {}), ...(reply_to ? { reply_to } : {}) } as Partial<M>;
}

function withoutReactionsOf<R>(reactions: Record<string, R>, deleted: Map<string, number>): Record<string, R> | null {
  if (!Object.keys(reactions).some((id) => deleted.has(id))) return null;
  return Object.fromEntries(Object.entries(reactions).filter(([id]) => !deleted.has(id)));
}

/** A wire message as the tombstone step leaves it (or unchanged, when nobody in it is deleted). */
function redactMessage(m: Message, deleted: Map<string, number>): Message {
  const at = deleted.get(m.sender.id);
  if (at !== undefined) {
    return {
      ...m, sender: deletedCard(m.sender.id), ...tombstoneContent(), reactions: {},
      deleted: true, deleted_at: m.deleted_at ?? new Date(at).toISOString(),
    };
  }
  const rest = othersRedacted(m, deleted);
  return rest ? { ...m, ...rest } : m;
}

function redactRecord(m: MessageRecord, deleted: Map<string, number>): MessageRecord {
  const at = deleted.get(m.sender_id);
  if (at !== undefined) {
    return {
      ...m, sender: deletedCard(m.sender_id), ...tombstoneContent(), reactions: {},
      deleted: true, deleted_at: m.deleted_at ?? new Date(at),
    };
  }
  const rest = othersRedacted({ ...m, sender: m.sender }, deleted);
  return rest ? { ...m, ...rest } : m;
}

/** A sync event as it would read had the deletion finished before it was served. */
type WireEvent = { type: string; data: Record<string, unknown> };
const isMessage = (v: unknown): v is Message => typeof v === "object" && v !== null && typeof (v as Message).sender?.id === "string" && typeof (v as Message).reactions === "object";
const isReactionUpdate = (e: WireEvent) => e.type === "message_reaction_update" && typeof e.data.reactions === "object" && e.data.reactions !== null;

export function createSenderRedaction(deletedSenders: DeletedSenders) {
  return {
    async messages(list: Message[]): Promise<Message[]> {
      if (!list.length) return list;
      const deleted = await deletedSenders.among(usersOf(list));
      return deleted.size ? list.map((m) => redactMessage(m, deleted)) : list;
    },

    async records(list: MessageRecord[]): Promise<MessageRecord[]> {
      if (!list.length) return list;
      const deleted = await deletedSenders.among(usersOf(list.map((m) => ({ sender: { id: m.sender_id }, reactions: m.reactions, reply_to: m.reply_to }))));
      return deleted.size ? list.map((m) => redactRecord(m, deleted)) : list;
    },

    /** Sync events: the message an event carries, and a reaction update's reactions. */
    async events<E extends WireEvent>(list: E[]): Promise<E[]> {
      const ids = new Set<string>();
      for (const e of list) {
        if (isMessage(e.data.message)) for (const id of usersOf([e.data.message])) ids.add(id);
        if (isReactionUpdate(e)) for (const id of Object.keys(e.data.reactions as object)) ids.add(id);
      }
      if (!ids.size) return list;
      const deleted = await deletedSenders.among(ids);
      if (!deleted.size) return list;
      return list.map((e) => {
        if (isMessage(e.data.message)) return { ...e, data: { ...e.data, message: redactMessage(e.data.message, deleted) } };
        if (isReactionUpdate(e)) {
          const reactions = withoutReactionsOf(e.data.reactions as Record<string, Reaction>, deleted);
          if (reactions) return { ...e, data: { ...e.data, reactions, summary: reactionSummary(reactions) } };
        }
        return e;
      });
    },
  };
}

export type SenderRedaction = ReturnType<typeof createSenderRedaction>;
