// The Socket.IO Admin UI (@socket.io/admin-ui), on only when ADMIN_UI_USERNAME and
// ADMIN_UI_PASSWORD_HASH are set. It adds the /admin namespace: basic auth against the
// bcrypt hash, then server stats every 2 s and (unless read-only) join, leave, disconnect
// and emit on the chat namespaces. Its page is served by src/http/admin-ui-page.ts.
//
// In a cluster each node runs it under its own serverId; /admin is a namespace like the
// others, so the Socket.IO adapter (Redis streams or pub/sub) carries every node's stats to
// the UI, whichever node it is connected to, and the UI lists the nodes one by one. The
// session id the UI reconnects with is kept in Redis then, so any node accepts it.
import { hostname } from "node:os";
import { instrument, InMemoryStore, RedisStore } from "@socket.io/admin-ui";
import type { Server, Socket } from "socket.io";
import { createRateLimiter } from "../auth/rate-limiter.ts";
import type { Config } from "../config.ts";
import type { Redis } from "./redis.ts";

export const ADMIN_NAMESPACE = "/admin";

/** Password attempts per client address per minute: each costs a bcrypt compare (in JS) on the event loop. */
const ATTEMPTS_PER_MIN = 10;

/**
 * Call right after the chat namespaces are made, synchronously (src/app.ts): a namespace made
 * later subscribes on the adapter's Redis connection at a moment that can break it.
 */
export function instrumentAdminUi(io: Server, cfg: NonNullable<Config["adminUi"]>, redis: Redis | undefined) {
  const admin = io.of(ADMIN_NAMESPACE);
  // Ahead of the package's own middleware (namespace middlewares run in order).
  admin.use(throttlePasswordAttempts(redis));
  instrument(io, {
    namespaceName: ADMIN_NAMESPACE,
    auth: { type: "basic", username: cfg.username, password: cfg.passwordHash },
    // production: aggregated counts only; development also sends every socket with its
    // handshake headers and query, where clients put their access tokens.
    mode: cfg.mode,
    readonly: cfg.readonly,
    serverId: cfg.serverId ?? `${hostname()}#${process.pid}`,
    // The package's RedisStore calls `exists(key, callback)` and `multi().set().expire().exec()`, which ioredis has.
    store: redis ? new RedisStore(redis, { prefix: "chat:admin-ui" }) : new InMemoryStore(),
  });
}

function throttlePasswordAttempts(redis: Redis | undefined) {
  const limiter = createRateLimiter({ name: "admin-ui", points: ATTEMPTS_PER_MIN, durationSec: 60, redis });
  return (socket: Socket, next: (err?: Error) => void) => {
    const auth = (socket.handshake.auth ?? {}) as { sessionId?: unknown; username?: unknown; password?: unknown };
    // Reconnects with the session id the UI was given cost no compare and are not counted.
    if (typeof auth.sessionId === "string" && auth.sessionId) return next();
    // The package would hand a missing password to bcryptjs, which throws inside its middleware.
    if (typeof auth.username !== "string" || typeof auth.password !== "string") return next(new Error("invalid credentials"));
    limiter.consume(socket.handshake.address).then(
      () => next(),
      () => next(new Error("too many attempts, retry in a minute")),
    );
  };
}
