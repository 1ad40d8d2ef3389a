// Every moderation action goes to the audit log twice: in the log of the user it was done
// to (what happened to their account; an operator is named by role only, the user sees this
// log), and in the log of whoever did it (what they did and to whom), so that who acted
// stays on record. AuditRecorder.record never fails its caller (src/audit/audit.service.ts).
import type { AuditData } from "../audit/audit.repository.ts";
import type { AuditRecorder } from "../audit/audit.service.ts";

/** Who acts: a group's owner or admin, or an operator (ADMIN_USER_IDS) resolving a report or suspending. */
export interface Moderator {
  id: string;
  operator?: boolean;
}

export type RecordModeration = (e: { type: "moderation_action" | "suspension"; subject: string; actor: Moderator; data: AuditData }) => Promise<void>;

export function moderationAudit(audit: AuditRecorder | undefined): RecordModeration {
  return async (e) => {
    if (!audit) return;
    await audit.record({ user_id: e.subject, type: e.type, data: { ...e.data, by: e.actor.operator ? "operator" : e.actor.id } });
    await audit.record({ user_id: e.actor.id, type: "moderation_action", data: { ...e.data, subject: e.subject, as: e.actor.operator ? "operator" : "group_admin" } });
  };
}
