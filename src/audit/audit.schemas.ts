// What GET /api/auth/audit takes and answers. The cursor is opaque to clients: the position
// of the last event of the previous page (its time and id), so pages neither skip nor repeat
// an event when new ones arrive meanwhile.
import { SentTimestamp, queryInt, z } from "../shared/zod.ts";

/**
 * Every kind of security event. The first five are recorded by the auth services; the last
 * three are for the features that delete accounts, moderate groups and suspend users (they
 * call audit.record with them). A new kind is added here, so the document lists it.
 */
export const AUDIT_TYPES = [
  "login",
  "login_failures",
  "refresh_token_reuse",
  "password_changed",
  "session_ended",
  "account_deleted",
  "moderation_action",
  "suspension",
] as const;
export type AuditType = (typeof AUDIT_TYPES)[number];

export const AUDIT_PAGE_MAX = 100;
const CURSOR = /^([0-9]{1,15})\.([A-Za-z0-9_-]{1,64})$/;

export const AuditQuery = z.strictObject({
  before: z
    .string()
    .regex(CURSOR, "must be the next_before of a previous page")
    .optional()
    .openapi({ description: "`next_before` of the previous page: the events before it, newest first" }),
  limit: queryInt({ min: 1, max: AUDIT_PAGE_MAX, description: `Page size, at most ${AUDIT_PAGE_MAX}` }).default(50),
});

export const AuditEventSchema = z
  .strictObject({
    id: z.string(),
    user_id: z.string(),
    type: z.enum(AUDIT_TYPES),
    at: SentTimestamp,
    ip: z.string().nullable().openapi({ description: "The address of the request that caused it (null: none did, e.g. an operator's action)" }),
    device: z.string().nullable().openapi({ description: "The device label of that request, such as \"Firefox on Windows\"" }),
    data: z
      .record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()]))
      .openapi({ description: "Details by type: session_id, by (who ended a session: self, logout, password_change, refresh_token_reuse, ...), failed_attempts, ..." }),
  })
  .openapi("AuditEvent");
export type AuditEventDto = z.infer<typeof AuditEventSchema>;

export const AuditPage = z
  .strictObject({
    events: z.array(AuditEventSchema).max(AUDIT_PAGE_MAX),
    next_before: z.string().nullable().openapi({ description: "Pass as `before` for the next (older) page; null when this page is the last" }),
  })
  .openapi("AuditPage");

export function encodeCursor(at: Date, id: string): string {
  return `${at.getTime()}.${id}`;
}

export function decodeCursor(cursor: string): { at: Date; id: string } | null {
  const m = CURSOR.exec(cursor);
  return m ? { at: new Date(Number(m[1])), id: m[2]! } : null;
}
