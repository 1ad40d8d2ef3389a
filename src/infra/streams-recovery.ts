// Connection-state recovery for the Redis streams adapter that never replays partially.
//
// Library internals: this reads what @socket.io/redis-streams-adapter writes (its stream
// entries' fields, its class's static decode, its session encoding and key), the broadcast
// message socket.io-adapter puts in them (type 3, {packet, opts}), and replaces the
// adapter's restoreSession that socket.io calls. Those versions are pinned exactly in
// package.json; test/infra/library-internals.test.ts fails when their shape changes.
//
// The adapter's own restoreSession reads the stream in a bounded loop and, if the bound
// is hit while entries keep arriving, returns what it has as a successful recovery: the
// client would believe it is complete. This version replays from the node's shared stream
// tail (stream-tail.ts: one read serves every session recovering at the same time) and,
// if the tail cannot cover the offset, refuses the recovery instead. The client then gets
// `recovered === false` and catches up through /api/events/sync, which is complete.
import { decode } from "@msgpack/msgpack";
import type { Redis } from "./redis.ts";
import type { EntryDecoder, StreamTail } from "./stream-tail.ts";

interface RawEntry {
  uid: string;
  nsp: string;
  type: string;
  data?: string;
}

interface BroadcastOpts {
  rooms: string[];
  except: string[];
  flags?: { volatile?: boolean };
}

interface Session {
  sid: string;
  pid: string;
  rooms: string[];
  data: unknown;
  missedPackets: unknown[][];
}

type Decoder = (raw: RawEntry) => { data?: { packet: { data: unknown[] }; opts: BroadcastOpts } };

function toEntry(fields: string[]): RawEntry {
  const m: Record<string, string> = {};
  for (let i = 0; i < fields.length; i += 2) m[fields[i]!] = fields[i + 1]!;
  return m as unknown as RawEntry;
}

const BROADCAST = "3";

/** The stream tail's decoder for this adapter: its class's static `decode` does the packet. */
export function adapterEntryDecoder(adapter: object): EntryDecoder {
  const cls = adapter.constructor as { decode?: unknown };
  // Not the adapter's API: fail at start rather than refuse every recovery later.
  if (typeof cls.decode !== "function") throw new Error("@socket.io/redis-streams-adapter has no static decode any more (see library-internals.test.ts)");
  return entryDecoder(cls.decode.bind(cls) as Decoder);
}

/** How the stream tail decodes an entry (the adapter's own decoder does the packet). */
export function entryDecoder(decodeEntry: Decoder): EntryDecoder {
  return (fields) => {
    const entry = toEntry(fields);
    const none = { nsp: entry.nsp, rooms: [], except: [] };
    if (entry.type !== BROADCAST) return none;
    const message = decodeEntry(entry);
    if (!message.data) return none;
    return { nsp: entry.nsp, packet: message.data.packet.data, rooms: message.data.opts.rooms, except: message.data.opts.except };
  };
}

/** `tail`: shared by the node's namespaces (one read of the stream serves them all). */
export function safeRestoreSession(opts: { redis: Redis; tail: StreamTail; sessionKeyPrefix: string; nsp: string }) {
  return async (pid: string, offset: string): Promise<Session> => {
    if (!/^[0-9]+-[0-9]+$/.test(offset)) throw new Error("invalid offset");
    const [raw, after] = await Promise.all([opts.redis.getdel(opts.sessionKeyPrefix + pid), opts.tail.entriesAfter(offset)]);
    // An unknown pid, an expired session, an offset trimmed out of the stream, or more
    // missed entries than the tail holds all end here: the client syncs instead.
    if (!raw || !after) throw new Error("session or offset not found");
    const session = decode(Buffer.from(raw, "base64")) as Session;
    session.missedPackets = [];
    for (const e of after) {
      if (e.nsp !== opts.nsp || !e.packet) continue;
      const included = e.rooms.length === 0 || session.rooms.some((r) => e.rooms.includes(r));
      const excluded = session.rooms.some((r) => e.except.includes(r));
      // A copy: the decoded packet is shared with every other session restored from it.
      if (included && !excluded) session.missedPackets.push([...e.packet, e.id]);
    }
    return session;
  };
}
