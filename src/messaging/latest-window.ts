// The "latest N" read model: a cached window of each conversation's newest messages,
// kept current on every send and dropped on edit/delete/reaction, with the indexed
// query as the fallback. Two implementations behind one interface: in process memory
// (embedded, single node) and Redis (cluster: every node sees the same window).
//
// A version counter per conversation guards the refill: a reader that loaded from the
// database only stores its window if no write happened meanwhile, so a slow reader can
// never put back a window that misses a newer message.
import { LRUCache } from "lru-cache";
import type { Message } from "../contract/models.ts";
import type { Redis } from "../infra/redis.ts";

export interface LatestWindow {
  get(key: string): Promise<{ messages: Message[]; version: number } | null>;
  version(key: string): Promise<number>;
  /** Stores a window loaded from the database if the version is still `version`. */
  fill(key: string, messages: Message[], version: number): Promise<void>;
  /** Appends a new message when it directly follows the window's newest; otherwise drops the window. */
  append(key: string, message: Message): Promise<void>;
  invalidate(key: string): Promise<void>;
}

export function memoryLatestWindow(size: number, maxConversations = 10_000): LatestWindow {
  // One record per conversation, its version and (once filled) its window, so the LRU bound
  // covers both. A version must never go back, or a reader that saw it before an eviction
  // could fill a stale window (a write bumped 0 → 1, the record was evicted, 0 is read
  // again and matches the reader's 0). So a conversation without a record reads `floor`,
  // the highest version evicted so far: versions only rise, and a write always moves its
  // conversation's past whatever a reader saw before it.
  let floor = 0;
  const records = new LRUCache<string, { version: number; messages: Message[] | null }>({
    max: maxConversations,
    dispose: (record, _key, reason) => {
      if (reason === "evict") floor = Math.max(floor, record.version);
    },
  });
  const bump = (key: string) => {
    const record = records.get(key);
    if (record) {
      record.version++;
      return record;
    }
    const fresh = { version: floor + 1, messages: null };
    records.set(key, fresh);
    return fresh;
  };
  return {
    async get(key) {
      const record = records.get(key);
      if (!record?.messages) return null;
      return { messages: record.messages.slice(), version: record.version };
    },
    async version(key) {
      return records.peek(key)?.version ?? floor;
    },
    async fill(key, messages, version) {
      const record = records.get(key);
      if ((record?.version ?? floor) !== version) return;
      const window = messages.slice(-size);
      if (record) record.messages = window;
      else records.set(key, { version, messages: window });
    },
    async append(key, message) {
      const record = bump(key);
      const w = record.messages;
      if (!w) return;
      const last = w[w.length - 1];
      if ((last?.seq ?? 0) + 1 !== message.seq) return void (record.messages = null);
      w.push(message);
      if (w.length > size) w.shift();
    },
    async invalidate(key) {
      bump(key).messages = null;
    },
  };
}

// The Redis window is a list of message JSON strings (Lua never decodes them, so JSON
// round-trips exactly) plus the newest seq in a separate key, whose presence also marks
// "window cached" (an empty conversation has no list but does have top = 0).
// KEYS: list, top, version. ARGV: message JSON, its seq, window size, ttl seconds.
const APPEND_LUA = `
redis.call('INCR', KEYS[3])
redis.call('EXPIRE', KEYS[3], ARGV[4])
local top = redis.call('GET', KEYS[2])
if not top then return 0 end
if tonumber(top) + 1 ~= tonumber(ARGV[2]) then redis.call('DEL', KEYS[1], KEYS[2]) return 0 end
redis.call('RPUSH', KEYS[1], ARGV[1])
redis.call('LTRIM', KEYS[1], -tonumber(ARGV[3]), -1)
redis.call('SET', KEYS[2], ARGV[2], 'EX', ARGV[4])
redis.call('EXPIRE', KEYS[1], ARGV[4])
return 1`;

// KEYS: list, top, version. ARGV: expected version, top seq, ttl seconds, then each message JSON.
const FILL_LUA = `
local v = tonumber(redis.call('GET', KEYS[3]) or '0')
if v ~= tonumber(ARGV[1]) then return 0 end
redis.call('DEL', KEYS[1])
for i = 4, #ARGV do redis.call('RPUSH', KEYS[1], ARGV[i]) end
redis.call('SET', KEYS[2], ARGV[2], 'EX', ARGV[3])
if #ARGV >= 4 then redis.call('EXPIRE', KEYS[1], ARGV[3]) end
return 1`;

/** A window entry: written before messages had `mentions` (kept up to a day), it reads as mentioning nobody. */
function readWindowed(json: string): Message {
  const m = JSON.parse(json) as Omit<Message, "mentions"> & { mentions?: string[] };
  return { ...m, mentions: m.mentions ?? [] };
}

export function redisLatestWindow(redis: Redis, size: number, ttlSec = 24 * 3600): LatestWindow {
  const keys = (key: string) => [`chat:latest:{${key}}:list`, `chat:latest:{${key}}:top`, `chat:latest:{${key}}:v`] as const;
  return {
    async get(key) {
      const [list, top, v] = keys(key);
      const res = await redis.multi().lrange(list, 0, -1).get(top).get(v).exec();
      if (!res) return null;
      const [items, topSeq, version] = res.map(([, value]) => value) as [string[], string | null, string | null];
      if (topSeq === null) return null;
      return { messages: items.map(readWindowed), version: Number(version ?? 0) };
    },
    async version(key) {
      return Number((await redis.get(keys(key)[2])) ?? 0);
    },
    async fill(key, messages, version) {
      const window = messages.slice(-size);
      const top = window.length ? window[window.length - 1]!.seq : 0;
      await redis.eval(FILL_LUA, 3, ...keys(key), String(version), String(top), String(ttlSec), ...window.map((m) => JSON.stringify(m)));
    },
    async append(key, message) {
      await redis.eval(APPEND_LUA, 3, ...keys(key), JSON.stringify(message), String(message.seq), String(size), String(ttlSec));
    },
    async invalidate(key) {
      const [list, top, v] = keys(key);
      await redis.multi().incr(v).expire(v, ttlSec).del(list, top).exec();
    },
  };
}
