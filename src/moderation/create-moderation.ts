// Builds the moderation services (issue 15) from what they use: reports, group moderation,
// suspensions, and who the operators are. services.ts calls it once.
import type { AuditRecorder } from "../audit/audit.service.ts";
import type { Config } from "../config.ts";
import type { ConversationType } from "../contract/models.ts";
import type { Notifier } from "../events/notifier.ts";
import type { GroupService } from "../groups/group.service.ts";
import type { ConversationPolicy } from "../messaging/conversation-policy.ts";
import type { MessageService } from "../messaging/message.service.ts";
import type { Storage } from "../storage/storage.ts";
import { createGroupModeration } from "./group-moderation.service.ts";
import { moderationAudit } from "./moderation-audit.ts";
import { createOperators } from "./operators.ts";
import { createReportService } from "./report.service.ts";
import { createSuspensions } from "./suspension.service.ts";

export interface ModerationDeps {
  config: Pick<Config, "moderation">;
  storage: Pick<Storage, "reports" | "groupSanctions" | "groups" | "conversations" | "users" | "messages">;
  policies: Record<ConversationType, ConversationPolicy>;
  messages: Pick<MessageService, "removeAsModerator">;
  groups: Pick<GroupService, "expel">;
  notifier: Notifier;
  audit?: AuditRecorder | undefined;
  /** Ends every live session of a suspended user (src/auth/session-ending.ts). */
  endSessions(userId: string): Promise<unknown>;
  /** The handshake caches forget these users on every node. */
  usersChanged(userIds: string[]): void;
  /** Reports per reporter (src/auth/rate-limiter.ts reportsByUser). */
  reportThrottle?: { consume(key: string): Promise<unknown> };
}

export function createModeration(d: ModerationDeps) {
  const { storage } = d;
  const operators = createOperators(d.config.moderation.operatorIds);
  const record = moderationAudit(d.audit);
  const groups = createGroupModeration({
    groups: storage.groups,
    conversations: storage.conversations,
    sanctions: storage.groupSanctions,
    users: storage.users,
    expel: (groupId, memberId) => d.groups.expel(groupId, memberId),
    notifier: d.notifier,
    record,
  });
  const suspensions = createSuspensions({ users: storage.users, operators, endSessions: d.endSessions, usersChanged: d.usersChanged, record });
  const reports = createReportService({
    reports: storage.reports,
    policies: d.policies,
    messageRecords: storage.messages,
    messages: d.messages,
    conversations: storage.conversations,
    users: storage.users,
    groups,
    suspensions,
    operators,
    record,
    notifier: d.notifier,
    throttle: d.reportThrottle,
  });
  return { operators, groups, suspensions, reports };
}

export type Moderation = ReturnType<typeof createModeration>;
