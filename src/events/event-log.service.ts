// The durable event stream over its repository: appends (one event per change, addressed
// to a conversation or to users), the stream's epoch, pruning, and the read side of
// GET /api/events/sync. Positions are gap-free and become visible in order (see
// event.repository.ts), so a sync page can always move its cursor to the head it read.
import { AppError } from "../shared/errors.ts";
import { createCoalescer } from "../shared/read-batcher.ts";
import type { SenderRedaction } from "../messaging/deleted-senders.ts";
import type { EventRecord, EventRepository } from "./event.repository.ts";

export interface AppendInput {
  type: string;
  ns: string;
  conversationKey?: string | undefined;
  userIds?: string[] | undefined;
  payload: Record<string, unknown>;
}

export interface SyncPage {
  epoch: string;
  events: { event_seq: number; type: string; namespace: string; data: Record<string, unknown>; created_at: string }[];
  next: number;
  has_more: boolean;
}

export function createEventLog(d: {
  events: EventRepository;
  retentionSec: number;
  maxPage: number;
  /** The log keeps events as they were sent: sync serves a deleted account's messages as tombstones (src/messaging/deleted-senders.ts). */
  redaction?: Pick<SenderRedaction, "events">;
}) {
  const toWire = (r: EventRecord, epoch: string) => ({
    event_seq: r.seq,
    type: r.type,
    namespace: r.ns,
    data: { ...r.payload, meta: { event_seq: r.seq, epoch } },
    created_at: r.created_at.toISOString(),
  });

  // The stream document and the head, read together and shared by every caller waiting
  // (src/shared/read-batcher.ts): each socket connect and each sync asks, and after a node
  // dies thousands do at once (on FerretDB the head is a scan of the events). The read
  // starts after its callers asked, so no one gets a head older than a read of its own.
  const position = createCoalescer(async (callers: unknown[]) => {
    const [stream, head] = await Promise.all([d.events.stream(), d.events.head()]);
    return callers.map(() => ({ stream, head }));
  });

  return {
    async epoch(): Promise<string> {
      return (await position(null)).stream.epoch;
    },

    /** Where a new client's stream starts: every position written so far. */
    async lastSeq(): Promise<number> {
      return (await position(null)).head;
    },

    /** epoch() and lastSeq() from one read (what a socket's `session` event carries). */
    async streamPosition(): Promise<{ epoch: string; lastSeq: number }> {
      const p = await position(null);
      return { epoch: p.stream.epoch, lastSeq: p.head };
    },

    /** Appends an event; resolves with its position once it is written. */
    async append(e: AppendInput): Promise<{ event_seq: number; epoch: string }> {
      const [stream, [position]] = await Promise.all([
        d.events.stream(),
        d.events.append([{ type: e.type, ns: e.ns, conversation_key: e.conversationKey ?? null, user_ids: e.userIds ?? [], payload: e.payload, created_at: new Date() }]),
      ]);
      if (position instanceof Error) throw position;
      return { event_seq: position!, epoch: stream.epoch };
    },

    /** Events after `since` visible to a user who is a member of `conversationKeys`, paged. */
    async sync(userId: string, conversationKeys: readonly string[], since: number, epoch: string | undefined, limit: number): Promise<SyncPage> {
      // The head with the stream: every position up to it is visible to the query that follows.
      const { stream, head } = await position(null);
      if (epoch !== undefined && epoch !== stream.epoch) {
        throw new AppError("resync_required", "The event stream was reset (epoch changed); refetch history", { epoch: stream.epoch });
      }
      if (since < stream.pruned_through) {
        throw new AppError("resync_required", `Events up to ${stream.pruned_through} were pruned; refetch history`, {
          epoch: stream.epoch,
          oldest_available: stream.pruned_through + 1,
        });
      }
      const take = Math.min(Math.max(limit, 1), d.maxPage);
      const rows = await d.events.after(since, userId, conversationKeys, take + 1);
      const page = rows.slice(0, take);
      const full = rows.length > take;
      const last = page.length ? page[page.length - 1]!.seq : since;
      const events = page.map((r) => toWire(r, stream.epoch));
      return {
        epoch: stream.epoch,
        events: d.redaction ? await d.redaction.events(events) : events,
        // Past other users' events too: the cursor may move beyond the last event returned.
        next: full ? last : Math.max(last, head, since),
        has_more: full,
      };
    },

    /** Deletes events older than the retention; a `since` below what went answers 410. */
    prune(now = Date.now()): Promise<number> {
      return d.events.prune(new Date(now - d.retentionSec * 1000));
    },
  };
}

export type EventLog = ReturnType<typeof createEventLog>;
