// The one way a session ends before its expiry, whoever ends it: marked revoked (its refresh
// tokens stop working: refresh checks the session), then `onRevoked` (services.ts: the
// handshake caches on every node, the session's sockets disconnected on every node with
// `session_ended`, its push subscriptions removed), and a `session_ended` audit event
// saying who ended it. Logout, refresh-token reuse, the session list, a password change and
// (for the other features) a suspension or an account deletion all come through here.
import type { AuditRecorder } from "../audit/audit.service.ts";
import type { ClientInfo } from "../shared/client-info.ts";
import type { SessionRecord, SessionRepository } from "./session.repository.ts";

/** Who ended a session; also stored as the session's revoked_reason. */
export type EndedBy = "self" | "logout" | "password_change" | "refresh_token_reuse" | "suspension" | "account_deleted";

export interface SessionEndingDeps {
  sessions: SessionRepository;
  audit: AuditRecorder;
  /** Told after a session is revoked (caches, sockets, pushes: services.ts). */
  onRevoked?: ((sessionId: string) => void) | undefined;
  now?: () => Date;
}

export function createSessionEnding(d: SessionEndingDeps) {
  const now = d.now ?? (() => new Date());

  /** Ends one session; true when this call ended it (false: it had ended already, or does not exist). */
  async function end(target: Pick<SessionRecord, "id" | "user_id"> & Partial<Pick<SessionRecord, "device">>, by: EndedBy, client: ClientInfo | null): Promise<boolean> {
    const ended = await d.sessions.revokeSession(target.id, by, now());
    // Told even when it had ended already: a caller retrying after a failure half-way must
    // still get the sockets cut (each step is idempotent).
    d.onRevoked?.(target.id);
    if (ended) {
      const device = target.device !== undefined ? target.device : ((await d.sessions.session(target.id))?.device ?? null);
      await d.audit.record({ user_id: target.user_id, type: "session_ended", client, data: { session_id: target.id, by, session_device: device } });
    }
    return ended;
  }

  return {
    end,
    /**
     * Ends every live session of the user but `except` (the caller's own, when it keeps it);
     * returns how many this call ended. For a password change, and for a suspension or an
     * account deletion (no `except`).
     */
    async endAllOf(userId: string, by: EndedBy, opts: { except?: string; client?: ClientInfo | null } = {}): Promise<number> {
      const at = now();
      const live = (await d.sessions.sessionsOf(userId)).filter((s) => s.id !== opts.except && !s.revoked_at && s.expires_at > at);
      let n = 0;
      for (const s of live) if (await end(s, by, opts.client ?? null)) n++;
      return n;
    },
  };
}

export type SessionEnding = ReturnType<typeof createSessionEnding>;
