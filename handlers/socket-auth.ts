// Namespace middleware: authenticate the handshake once, before any event handler runs.
// It also runs for recovered connections (skipMiddlewares: false), so an expired or
// revoked token cannot slip back in through connection-state recovery.
import type { Socket } from "socket.io";
import type { TokenService } from "../src/auth/token.service.ts";
import { AppError, toErrorBody } from "../src/shared/errors.ts";
import type { UserModel } from "../src/users/user.model.ts";
import type { ClientEvents, ServerEvents, SocketData } from "./events.ts";

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

/** An Error whose `data` the client sees in its connect_error handler. */
function connectError(err: unknown): Error {
  const { body } = toErrorBody(err);
  const e = new Error(body.message) as Error & { data: { code: string; message: string } };
  e.data = { code: body.code, message: body.message };
  return e;
}

export function socketAuth(deps: { tokens: TokenService; User: UserModel }) {
  return async (socket: ChatSocket, next: (err?: Error) => void) => {
    try {
      const token = handshakeToken(socket);
      if (!token) throw new AppError("unauthorized", "Missing access token: pass auth: { token } or ?token=");
      const claims = deps.tokens.verifyAccess(token);
      const user = await deps.User.findById(claims.sub, { username: 1 }).lean();
      if (!user) throw new AppError("unauthorized", "The user of this token no longer exists");
      socket.data.userId = claims.sub;
      socket.data.sessionId = claims.sid;
      socket.data.username = user.username;
      next();
    } catch (err) {
      next(connectError(err));
    }
  };
}
