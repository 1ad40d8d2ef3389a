// A user's own sessions: the list (live ones only, the caller's marked), ending one, ending
// all but the caller's. Another user's session answers exactly as one that does not exist.
import type { ClientInfo } from "../shared/client-info.ts";
import { notFound } from "../shared/errors.ts";
import type { SessionEnding } from "./session-ending.ts";
import type { SessionRecord, SessionRepository } from "./session.repository.ts";
import type { SessionDto } from "./session.schemas.ts";

interface Caller {
  userId: string;
  sessionId: string;
}

export function toSessionDto(s: SessionRecord, currentSessionId: string): SessionDto {
  return {
    id: s.id,
    device: s.device,
    ip: s.ip,
    created_at: s.created_at.toISOString(),
    last_used_at: s.last_used_at.toISOString(),
    expires_at: s.expires_at.toISOString(),
    current: s.id === currentSessionId,
  };
}

export function createSessionListService(d: { sessions: SessionRepository; ending: SessionEnding; now?: () => Date }) {
  const now = d.now ?? (() => new Date());
  const live = (s: SessionRecord, at: Date) => !s.revoked_at && s.expires_at > at;

  return {
    /** The caller's live sessions, newest login first. */
    async list(caller: Caller): Promise<SessionDto[]> {
      const at = now();
      return (await d.sessions.sessionsOf(caller.userId)).filter((s) => live(s, at)).map((s) => toSessionDto(s, caller.sessionId));
    },

    /**
     * Ends one of the caller's sessions (the caller's own too: that is a logout). One that
     * has ended already is done (idempotent); another user's, or none, is a 404.
     */
    async end(caller: Caller, sessionId: string, client: ClientInfo): Promise<void> {
      const s = await d.sessions.session(sessionId);
      if (!s || s.user_id !== caller.userId || s.expires_at <= now()) throw notFound("Session");
      if (!s.revoked_at) await d.ending.end(s, sessionId === caller.sessionId ? "logout" : "self", client);
    },

    /** Ends every other live session of the caller; returns how many. */
    endOthers(caller: Caller, client: ClientInfo): Promise<number> {
      return d.ending.endAllOf(caller.userId, "self", { except: caller.sessionId, client });
    },
  };
}

export type SessionListService = ReturnType<typeof createSessionListService>;
