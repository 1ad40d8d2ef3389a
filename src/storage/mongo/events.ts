import { randomUUID } from "node:crypto";
import type { Model } from "mongoose";
import type { EventRecord, EventRepository, StreamState } from "../../events/event.repository.ts";
import { inserted } from "./errors.ts";
import { createEventAppender, payloadText } from "./event-append.ts";
import { raw, type EventDoc, type StreamDoc } from "./schemas.ts";

export const STREAM_ID = "main";

export function toEvent(d: EventDoc): EventRecord {
  return {
    seq: d._id,
    type: d.type,
    ns: d.ns,
    conversation_key: d.conversation_key ?? null,
    user_ids: d.user_ids ?? [],
    payload: JSON.parse(d.payload) as Record<string, unknown>,
    created_at: d.created_at,
  };
}

export function mongoEvents(d: { Event: Model<EventDoc>; Stream: Model<StreamDoc> }): EventRepository {
  const { Event, Stream } = d;
  const appender = createEventAppender({ Event, Stream, streamId: STREAM_ID });

  async function stream(): Promise<StreamState> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const doc = await Stream.findById(STREAM_ID).lean<StreamDoc>();
      if (doc) return { epoch: doc.epoch, pruned_through: doc.pruned_through ?? 0 };
      // Created once: the insert under the fixed _id decides whose epoch it is.
      const fresh: StreamDoc = { _id: STREAM_ID, epoch: randomUUID(), pruned_through: 0 };
      if (await inserted(raw(Stream).insertOne(fresh))) return { epoch: fresh.epoch, pruned_through: 0 };
    }
    throw new Error("event stream: its document keeps disappearing");
  }

  return {
    stream,

    head: () => appender.readHead(),

    async append(events) {
      // An event whose payload is not JSON gets its Error; the others are written.
      const prepared = events.map((e) => {
        const payload = payloadText(e.payload);
        if (payload instanceof Error) return payload;
        return { type: e.type, ns: e.ns, conversation_key: e.conversation_key ?? null, user_ids: [...new Set(e.user_ids ?? [])], payload, created_at: e.created_at };
      });
      const ok = prepared.filter((p): p is Exclude<typeof p, Error> => !(p instanceof Error));
      const positions = await appender.write(ok);
      let next = 0;
      return prepared.map((p) => (p instanceof Error ? p : positions[next++]!));
    },

    async after(since, userId, conversationKeys, limit) {
      if (limit <= 0) return [];
      const keys = [...new Set(conversationKeys)];
      const addressed: Record<string, unknown>[] = [{ user_ids: userId }];
      if (keys.length > 0) addressed.push({ conversation_key: { $in: keys } });
      const docs = await Event.find({ _id: { $gt: since }, $or: addressed }).sort({ _id: 1 }).limit(limit).lean<EventDoc[]>();
      return docs.map(toEvent);
    },

    async prune(before) {
      await stream();
      // The highest position created before the cut; everything at or below it goes, so
      // what remains is always the stream after pruned_through. created_at need not follow
      // the positions (the callers' clocks), so the old positions are all read, from the
      // {created_at, _id} index alone ($group's $max, which would do it on the server, is
      // not implemented by FerretDB v1). They are what this call deletes anyway.
      let through = 0;
      const old = Event.find({ created_at: { $lt: before } }, { _id: 1 }).lean<Pick<EventDoc, "_id">>().cursor({ batchSize: 1000 });
      for await (const e of old) if (e._id > through) through = e._id;
      if (through === 0) return 0;
      // Recorded first: head() never goes back while the events are being deleted.
      await Stream.updateOne({ _id: STREAM_ID, pruned_through: { $lt: through } }, { $set: { pruned_through: through } });
      const res = await Event.deleteMany({ _id: { $lte: through } });
      appender.forgetHead();
      return res.deletedCount;
    },
  };
}
