// Reports: a user reports a message they can see (of a conversation they are in) or another
// user; one open report per reporter and target (filing again updates it). A message report
// snapshots the message, which may be edited or deleted afterwards.
//
// Who resolves: the owner and admins of a group, the reports about its messages; operators
// (ADMIN_USER_IDS), every report. The action runs first, then the report is marked resolved:
// each action is idempotent, so if two moderators resolve one report at once both actions
// run and the second is told the report was resolved meanwhile (409).
import type { ConversationType } from "../contract/models.ts";
import type { Notifier } from "../events/notifier.ts";
import { groupKey, isManagerRole } from "../groups/group.policy.ts";
import type { ConversationPolicy } from "../messaging/conversation-policy.ts";
import type { ConversationRepository } from "../messaging/conversation.repository.ts";
import type { MessageRepository } from "../messaging/message.repository.ts";
import type { MessageService } from "../messaging/message.service.ts";
import { AppError, badRequest, forbidden, notFound } from "../shared/errors.ts";
import { ID_PATTERN, newId } from "../shared/ids.ts";
import type { UserRepository } from "../users/user.repository.ts";
import { publicOfKey, refOfKey } from "./conversation-ref.ts";
import type { GroupModeration } from "./group-moderation.service.ts";
import type { Moderator, RecordModeration } from "./moderation-audit.ts";
import type { FileReportBody, ReportDto, ResolveReportBody } from "./moderation.schemas.ts";
import type { Operators } from "./operators.ts";
import type { NewReport, ReportRecord, ReportRepository, ReportStatus } from "./report.repository.ts";
import type { Suspensions } from "./suspension.service.ts";

export interface ReportDeps {
  reports: ReportRepository;
  policies: Record<ConversationType, ConversationPolicy>;
  messageRecords: Pick<MessageRepository, "byId">;
  messages: Pick<MessageService, "removeAsModerator">;
  conversations: ConversationRepository;
  users: Pick<UserRepository, "byId">;
  groups: GroupModeration;
  suspensions: Suspensions;
  operators: Operators;
  record: RecordModeration;
  /** Tells a group's managers of a new report about it (group_report_filed). */
  notifier: Pick<Notifier, "toUsers">;
  /** Reports per reporter (REPORT_MAX_PER_HOUR): consume throws rate_limited. None: unlimited. */
  throttle?: { consume(key: string): Promise<unknown> };
}

export interface ReportPage {
  status?: ReportStatus | undefined;
  before?: string | undefined;
  limit: number;
}

const COUPLE_ID = /^([0-9a-f]{24})_([0-9a-f]{24})$/;

/** The conversation kind a message target names: as given, else by the id's shape. */
function kindOf(target: { conversation_type?: ConversationType | undefined; conversation_id: string }, reporterId: string): ConversationType {
  if (target.conversation_type) return target.conversation_type;
  if (target.conversation_id.startsWith("dm:")) return "dm";
  const couple = COUPLE_ID.exec(target.conversation_id);
  return couple && (couple[1] === reporterId || couple[2] === reporterId) ? "couple" : "group";
}

export function toReportDto(r: ReportRecord): ReportDto {
  const where = r.conversation_key ? publicOfKey(r.conversation_key) : null;
  return {
    id: r.id,
    status: r.status,
    reason: r.reason,
    note: r.note,
    reporter_id: r.reporter_id,
    target:
      r.target_type === "message" && where
        ? { type: "message", conversation_type: where.type, conversation_id: where.id, message_id: r.message_id ?? "", sender_id: r.target_user_id }
        : { type: "user", user_id: r.target_user_id },
    message: r.snapshot,
    resolution: r.resolution ? { action: r.resolution.action, note: r.resolution.note, by: r.resolution.by, at: r.resolution.at.toISOString() } : null,
    created_at: r.created_at.toISOString(),
    updated_at: r.updated_at.toISOString(),
  };
}

const conflict = (message: string) => new AppError("conflict", message);

export function createReportService(d: ReportDeps) {
  /** The report as a new record: its target checked (visible to the reporter, not the reporter's own). */
  async function describe(reporterId: string, body: FileReportBody): Promise<NewReport> {
    const base = { id: newId(), reporter_id: reporterId, reason: body.reason, note: body.note || null, created_at: new Date() };
    const t = body.target;
    if (t.type === "user") {
      if (t.user_id === reporterId) throw badRequest("target.user_id: you cannot report yourself");
      if (!(await d.users.byId(t.user_id))) throw notFound("User");
      return { ...base, target_type: "user", target_user_id: t.user_id, conversation_key: null, message_id: null, snapshot: null };
    }
    // What the reporter may read, under the conversation kind's own policy (not a member: 404 or 403).
    const ref = await d.policies[kindOf(t, reporterId)].resolve(t.conversation_id, reporterId, "read");
    const m = ID_PATTERN.test(t.message_id) ? await d.messageRecords.byId(ref.key, t.message_id) : null;
    if (!m) throw notFound("Message");
    if (m.deleted) throw conflict("That message was deleted: there is nothing left to report");
    if (m.sender_id === reporterId) throw badRequest("target.message_id: you cannot report your own message");
    const { id, username, display_name, avatar_url } = m.sender;
    return {
      ...base,
      target_type: "message",
      target_user_id: m.sender_id,
      conversation_key: ref.key,
      message_id: m.id,
      snapshot: { sender: { id, username, display_name, avatar_url: avatar_url ?? null }, text: m.text, kind: m.kind, media: m.media, sticker: m.sticker, seq: m.seq, created_at: m.created_at.toISOString() },
    };
  }

  async function page(q: ReportPage & { conversation_key?: string }) {
    // One more than asked says whether there is a next page.
    const rows = await d.reports.list({ ...q, limit: q.limit + 1 });
    const reports = rows.slice(0, q.limit);
    return { reports: reports.map(toReportDto), next_before: rows.length > q.limit ? (reports.at(-1)?.id ?? null) : null };
  }

  /** Checks the action fits the report and the moderator, runs it, then marks the report resolved. */
  async function resolve(report: ReportRecord, body: ResolveReportBody, actor: Moderator): Promise<ReportDto> {
    if (report.status !== "open") throw conflict("This report is resolved already");
    const action = body.action;
    const groupId = report.conversation_key?.startsWith("group:") ? report.conversation_key.slice("group:".length) : null;
    if (body.until !== undefined && action !== "suspend_account") throw new AppError("validation_error", "until: only goes with suspend_account", { fields: [{ field: "until", message: "only goes with suspend_account" }] });
    if (action === "delete_message" && report.target_type !== "message") throw badRequest("action: delete_message needs a report of a message");
    if ((action === "remove_from_group" || action === "ban_from_group") && !groupId) throw badRequest(`action: ${action} needs a report of a message in a group`);
    if (action === "suspend_account" && !actor.operator) throw forbidden("Only operators (ADMIN_USER_IDS) can suspend accounts");
    const note = body.note || null;
    const target = report.target_user_id;

    switch (action) {
      case "dismiss":
        break;
      case "delete_message": {
        // The normal delete path: a tombstone every device is told of, unread counts updated.
        await d.messages.removeAsModerator(await refOfKey(d.conversations, report.conversation_key!), report.message_id!);
        await d.record({ type: "moderation_action", subject: target, actor, data: { action: "message_deleted", message_id: report.message_id, report_id: report.id } });
        break;
      }
      case "remove_from_group":
        await d.groups.remove(actor, groupId!, target, { report_id: report.id });
        break;
      case "ban_from_group":
        await d.groups.ban(actor, groupId!, target, { reason: note ?? `Reported for ${report.reason}`, report_id: report.id });
        break;
      case "suspend_account":
        await d.suspensions.suspend(actor.id, target, { until: body.until ? new Date(body.until) : undefined, reason: note ?? `Reported for ${report.reason}` }, { report_id: report.id });
        break;
    }
    const resolved = await d.reports.resolve(report.id, { action, note, by: actor.id, at: new Date() });
    if (!resolved) throw conflict("Another moderator resolved this report meanwhile");
    return toReportDto(resolved);
  }

  /** A new report about a group's message reaches its owner and admins live (and in their sync log). */
  async function tellManagers(report: ReportRecord, reporterId: string) {
    const key = report.conversation_key!;
    const managers = (await d.conversations.members(key)).filter((m) => isManagerRole(m.role) && m.user_id !== reporterId).map((m) => m.user_id);
    if (!managers.length) return;
    await d.notifier.toUsers("groups", managers, "group_report_filed", {
      group_id: key.slice("group:".length),
      report_id: report.id,
      reason: report.reason,
      message_id: report.message_id ?? "",
      sender_id: report.target_user_id,
    });
  }

  return {
    /** Files (or updates) the reporter's report; created is false when an open one was updated. */
    async file(reporterId: string, body: FileReportBody): Promise<{ report: ReportDto; created: boolean }> {
      const described = await describe(reporterId, body);
      // Reports that would be stored count (filing again too): a refused one stores nothing and reaches nobody.
      await d.throttle?.consume(reporterId);
      const { report, created } = await d.reports.file(described);
      if (created && report.conversation_key?.startsWith("group:")) await tellManagers(report, reporterId);
      return { report: toReportDto(report), created };
    },

    /** The reports about messages of a group, for its owner and admins. */
    async listForGroup(actorId: string, groupId: string, q: ReportPage) {
      await d.groups.authority(groupId, { id: actorId });
      return page({ ...q, conversation_key: groupKey(groupId) });
    },

    async resolveInGroup(actorId: string, groupId: string, reportId: string, body: ResolveReportBody): Promise<ReportDto> {
      await d.groups.authority(groupId, { id: actorId });
      const report = await d.reports.byId(reportId);
      // Another group's report is not this group's managers' to see.
      if (!report || report.conversation_key !== groupKey(groupId)) throw notFound("Report");
      return resolve(report, body, { id: actorId });
    },

    /** Every report (operators). */
    async listAll(actorId: string, q: ReportPage) {
      d.operators.assert(actorId);
      return page(q);
    },

    async resolveAsOperator(actorId: string, reportId: string, body: ResolveReportBody): Promise<ReportDto> {
      d.operators.assert(actorId);
      const report = await d.reports.byId(reportId);
      if (!report) throw notFound("Report");
      return resolve(report, body, { id: actorId, operator: true });
    },
  };
}

export type ReportService = ReturnType<typeof createReportService>;
