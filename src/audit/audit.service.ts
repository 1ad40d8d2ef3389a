// The security audit log: what happened to a user's account, for the user to review
// (GET /api/auth/audit) and for an operator. Each feature records its own events through
// `record`; the log keeps them AUDIT_RETENTION_DAYS (a background job prunes older ones).
//
// `record` never fails its caller: the event is written before it resolves (so whatever
// the caller answers next is already in the log), but a failed write is logged and
// swallowed. A login must not fail because its audit line could not be written; the
// database being down fails the login on its own anyway.
import { randomBytes } from "node:crypto";
import type { Logger } from "../infra/logger.ts";
import type { ClientInfo } from "../shared/client-info.ts";
import type { AuditData, AuditRecord, AuditRepository } from "./audit.repository.ts";
import { decodeCursor, encodeCursor, type AuditEventDto, type AuditType } from "./audit.schemas.ts";

export interface AuditEventInput {
  /** Whose account the event is about (who sees it in their log). */
  user_id: string;
  type: AuditType;
  /** The request that caused it (its IP and device label); omitted or null: none did (an operator, a job). */
  client?: ClientInfo | null | undefined;
  /** Flat details; what the user sees besides the type (never put secrets or other users' private data here). */
  data?: AuditData | undefined;
  /** Default: now. */
  at?: Date | undefined;
}

export interface AuditDeps {
  audit: AuditRepository;
  log: Logger;
  retentionDays: number;
  now?: () => Date;
}

export function toAuditDto(e: AuditRecord): AuditEventDto {
  return { id: e.id, user_id: e.user_id, type: e.type as AuditType, at: e.at.toISOString(), ip: e.ip, device: e.device, data: e.data };
}

/**
 * The log reads newest first by (at, id), and one request often records two events in the
 * same millisecond (a session ended, then the reuse that ended it): the id orders those as
 * recorded. It is the time (12 hex digits of ms), a counter of this process, then random
 * bytes that keep ids of different nodes apart.
 */
let counter = 0;
function auditId(at: Date): string {
  counter = (counter + 1) % 0x10000;
  return at.getTime().toString(16).padStart(12, "0") + counter.toString(16).padStart(4, "0") + randomBytes(4).toString("hex");
}

export function createAuditLog(d: AuditDeps) {
  const now = d.now ?? (() => new Date());
  return {
    /** Records one event; resolves once it is stored, or once a failure to store it is logged (never rejects). */
    async record(e: AuditEventInput): Promise<void> {
      const at = e.at ?? now();
      const event: AuditRecord = { id: auditId(at), user_id: e.user_id, type: e.type, at, ip: e.client?.ip ?? null, device: e.client?.device ?? null, data: e.data ?? {} };
      try {
        await d.audit.append(event);
      } catch (err) {
        d.log.error({ err, audit: { user_id: event.user_id, type: event.type, data: event.data } }, "audit event not recorded");
      }
    },

    /** The user's own events, newest first; `before` is a previous page's next_before. */
    async list(userId: string, page: { before?: string | undefined; limit: number }): Promise<{ events: AuditEventDto[]; next_before: string | null }> {
      const cursor = page.before === undefined ? null : decodeCursor(page.before);
      // One more than asked says whether there is a next page without a second query.
      const rows = await d.audit.ofUser(userId, cursor, page.limit + 1);
      const events = rows.slice(0, page.limit);
      const last = events.at(-1);
      return { events: events.map(toAuditDto), next_before: rows.length > page.limit && last ? encodeCursor(last.at, last.id) : null };
    },

    /** Deletes the events older than the retention (the background job). */
    prune(at: Date = now()): Promise<number> {
      return d.audit.prune(new Date(at.getTime() - d.retentionDays * 24 * 3600_000));
    },
  };
}

export type AuditLog = ReturnType<typeof createAuditLog>;
/** What other features need of the log: they record, they do not read. */
export type AuditRecorder = Pick<AuditLog, "record">;
