// Namespace middleware: authenticate the handshake once, before any event handler runs.
// It also runs for recovered connections (skipMiddlewares: false), so an expired or
// revoked token cannot slip back in through connection-state recovery.
// The user and session checks are cached (src/users/user-facts.ts, src/auth/session-check.ts):
// a revoked session is refused at once (every node is told), a deleted user within 30 s
// (docs/DECISIONS.md, "Handshake caches").
import type { Socket } from "socket.io";
import type { SessionCheck } from "../src/auth/session-check.ts";
import type { TokenService } from "../src/auth/token.service.ts";
import { AppError, toErrorBody } from "../src/shared/errors.ts";
import type { UserFactsCache } from "../src/users/user-facts.ts";
import { isSuspended, suspendedError } from "../src/moderation/suspension.ts";
import type { ClientEvents, ServerEvents, SocketData } from "../src/contract/events.ts";

export type ChatSocket = Socket<ClientEvents, ServerEvents, Record<string, never>, SocketData>;

function handshakeToken(socket: ChatSocket): string | undefined {
  const fromAuth = (socket.handshake.auth as { token?: unknown } | undefined)?.token;
  if (typeof fromAuth === "string" && fromAuth) return fromAuth.replace(/^Bearer\s+/i, "");
  const fromQuery = socket.handshake.query.token; // the seed's `?token=`
  if (typeof fromQuery === "string" && fromQuery) return fromQuery;
  const header = socket.handshake.headers.authorization;
  if (header?.toLowerCase().startsWith("bearer ")) return header.slice(7).trim();
  return undefined;
}

/** What an idle socket keeps as its handshake's auth once the token is dropped. */
const NO_AUTH: Record<string, never> = Object.freeze({});

/** An Error whose `data` the client sees in its connect_error handler. */
function connectError(err: unknown): Error {
  const { body } = toErrorBody(err);
  const e = new Error(body.message) as Error & { data: { code: string; message: string } };
  e.data = { code: body.code, message: body.message };
  return e;
}

export function socketAuth(deps: { tokens: TokenService; users: UserFactsCache; sessions: SessionCheck }) {
  return async (socket: ChatSocket, next: (err?: Error) => void) => {
    try {
      const token = handshakeToken(socket);
      if (!token) throw new AppError("unauthorized", "Missing access token: pass auth: { token } or ?token=");
      const claims = deps.tokens.verifyAccess(token);
      const [user, live] = await Promise.all([deps.users.get(claims.sub), deps.sessions.isLive(claims.sid, claims.sub)]);
      if (!user) throw new AppError("unauthorized", "The user of this token no longer exists");
      // Before the session: a suspension ended it too, and the client is told why (account_suspended, not a refresh to try).
      if (isSuspended(user.suspendedUntil)) throw suspendedError(user.suspendedUntil!);
      // "unauthorized", not "token_revoked": clients answer it by refreshing (docs/WEB-CLIENT.md),
      // and the refresh then says token_revoked and ends the session client-side.
      if (!live) throw new AppError("unauthorized", "The session of this token has been revoked (logged out)");
      // The socket keeps its handshake for life; the JWT in it is ~0.45 KB per idle
      // connection and nothing reads it again. A reconnect (also a recovered one) sends
      // its auth anew in its own CONNECT packet and passes this middleware again. Only
      // `auth` is this namespace's own object: `query` and `headers` belong to the
      // Engine.IO connection, which other namespaces' handshakes still read.
      const { token: _verified, ...rest } = (socket.handshake.auth ?? {}) as Record<string, unknown>;
      socket.handshake.auth = Object.keys(rest).length ? rest : NO_AUTH;
      socket.data.userId = claims.sub;
      socket.data.sessionId = claims.sid;
      socket.data.username = user.username;
      socket.data.tokenExpiresAt = claims.exp * 1000;
      next();
    } catch (err) {
      next(connectError(err));
    }
  };
}
