// Connection-state recovery for the Redis streams adapter that never replays partially.
//
// The adapter's own restoreSession reads the stream in a bounded loop and, if the bound
// is hit while entries keep arriving, returns what it has as a successful recovery: the
// client would believe it is complete. This version reads in bounded pages and, if it
// cannot reach the end of the stream, refuses the recovery instead. The client then gets
// `recovered === false` and catches up through /api/events/sync, which is complete.
import { decode } from "@msgpack/msgpack";
import type { Redis } from "./redis.ts";

const PAGE = 1000;
const MAX_PAGES = 200;

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

export function safeRestoreSession(opts: { redis: Redis; streamName: string; sessionKeyPrefix: string; nsp: string; decodeEntry: Decoder }) {
  return async (pid: string, offset: string): Promise<Session> => {
    if (!/^[0-9]+-[0-9]+$/.test(offset)) throw new Error("invalid offset");
    const [raw, atOffset] = await Promise.all([
      opts.redis.getdel(opts.sessionKeyPrefix + pid),
      opts.redis.xrange(opts.streamName, offset, offset),
    ]);
    // An unknown pid, an expired session or an offset trimmed out of the stream all end here.
    if (!raw || atOffset.length === 0) throw new Error("session or offset not found");
    const session = decode(Buffer.from(raw, "base64")) as Session;
    session.missedPackets = [];
    let cursor = offset;
    for (let page = 0; page < MAX_PAGES; page++) {
      const entries = await opts.redis.xrange(opts.streamName, `(${cursor}`, "+", "COUNT", PAGE);
      for (const [id, fields] of entries) {
        cursor = id;
        const entry = toEntry(fields);
        if (entry.nsp !== opts.nsp || entry.type !== BROADCAST) continue;
        const message = opts.decodeEntry(entry);
        if (!message.data) continue;
        const { packet, opts: target } = message.data;
        const included = target.rooms.length === 0 || session.rooms.some((r) => target.rooms.includes(r));
        const excluded = session.rooms.some((r) => target.except.includes(r));
        if (included && !excluded) {
          packet.data.push(id);
          session.missedPackets.push(packet.data);
        }
      }
      if (entries.length < PAGE) return session;
    }
    throw new Error("too many missed packets to replay; the client must sync");
  };
}
