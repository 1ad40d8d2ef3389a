// Which Socket.IO adapter carries events between nodes.
// - none (embedded): the built-in in-memory adapter; it supports connection-state recovery.
// - streams (cluster default): Redis streams; recovery works across nodes because the
//   stream keeps the packets and sessions live in Redis.
// - pubsub: Redis sharded pub/sub; lower Redis memory, but NO connection-state recovery
//   (pub/sub keeps nothing to replay). Clients then rely on /api/events/sync.
// The streams adapter's recovery relies on its internals (streams-recovery.ts): its version
// is pinned exactly in package.json and test/infra/library-internals.test.ts checks them.
import { createShardedAdapter } from "@socket.io/redis-adapter";
import { createAdapter as createStreamsAdapter } from "@socket.io/redis-streams-adapter";
import type { ServerOptions } from "socket.io";
import type { Config } from "../config.ts";
import type { Logger } from "./logger.ts";
import { createRedis, type Redis } from "./redis.ts";
import { adapterEntryDecoder, safeRestoreSession } from "./streams-recovery.ts";
import { createStreamTail, type StreamTail } from "./stream-tail.ts";

/** The streams adapter's Redis stream, and where it keeps sessions for recovery. */
export const STREAM_NAME = "chat:sio";
export const SESSION_KEY_PREFIX = "chat:sio:session:";

export interface AdapterChoice {
  name: "memory" | "streams" | "pubsub";
  adapter?: ServerOptions["adapter"];
  supportsRecovery: boolean;
  close(): Promise<void>;
}

export function chooseAdapter(cfg: Config, redis: Redis | undefined, log: Logger, onError: () => void = () => {}): AdapterChoice {
  if (!redis || !cfg.redis.url) return { name: "memory", supportsRecovery: true, close: async () => {} };
  if (cfg.redis.adapter === "pubsub") {
    const pub = createRedis(cfg.redis.url, log, "sio-pub").on("error", onError);
    const sub = createRedis(cfg.redis.url, log, "sio-sub").on("error", onError);
    return {
      name: "pubsub",
      adapter: createShardedAdapter(pub, sub),
      supportsRecovery: false,
      close: async () => {
        await Promise.all([quit(pub), quit(sub)]);
      },
    };
  }
  // The adapter blocks a duplicate of this client on XREAD; it gets its own connection.
  const client = createRedis(cfg.redis.url, log, "sio-streams").on("error", onError);
  const streamName = STREAM_NAME;
  const sessionKeyPrefix = SESSION_KEY_PREFIX;
  const factory = createStreamsAdapter(client, { streamName, maxLen: cfg.delivery.streamMaxLen, sessionKeyPrefix });
  let tail: StreamTail | undefined;
  return {
    name: "streams",
    // socket.io instantiates the adapter with `new`, so this must be a function, not an arrow.
    adapter: function (nsp: { name: string }) {
      const adapter = factory(nsp);
      tail ??= createStreamTail({ redis: client, streamName, decode: adapterEntryDecoder(adapter), maxEntries: cfg.delivery.streamMaxLen });
      adapter.restoreSession = safeRestoreSession({ redis: client, tail, sessionKeyPrefix, nsp: nsp.name }) as never;
      return adapter;
    } as unknown as ServerOptions["adapter"],
    supportsRecovery: true,
    // QUIT is queued behind the session writes io.close() just issued, so they complete.
    close: () => quit(client),
  };
}

async function quit(client: Redis) {
  // The adapters fire their last commands (unsubscribe, session writes) without awaiting
  // them; give those a moment to be sent before QUIT closes the connection.
  await new Promise((r) => setTimeout(r, 50));
  try {
    await client.quit();
  } catch {
    client.disconnect();
  }
}
