// Group moderation under /api/groups (issue 15): the reports about a group's messages, bans,
// and muting a member (they read but cannot post). Owner and admins only; the rules of who
// may act on whom are src/moderation/group-moderation.service.ts's.
import { Router } from "express";
import { GroupMemberParams, GroupParams } from "../groups/group.schemas.ts";
import type { GroupModeration } from "../moderation/group-moderation.service.ts";
import { GroupBanList, GroupBanSchema, GroupMuteList, GroupReportParams, MemberMuteState, MuteMemberBody, ReportList, ReportListQuery, ReportSchema, ResolveReportBody } from "../moderation/moderation.schemas.ts";
import type { ReportService } from "../moderation/report.service.ts";
import { defineRoute, type RouteKit } from "./route.ts";

export function groupModerationRouter(kit: Omit<RouteKit, "router">, d: { moderation: GroupModeration; reports: ReportService }): Router {
  const r: RouteKit = { ...kit, router: Router() };
  const tag = "group moderation";
  const notManager = "The caller is not the group's owner or an admin";
  const missing = "No group has this id, or it is private and the caller is not a member";
  const whom = "The caller themselves, or the owner";
  const adminOnlyByOwner = `${notManager}; or an admin acting on an admin (only the owner may)`;
  const me = (id: string) => ({ id });

  defineRoute(r, { method: "get", path: "/:groupId/reports", summary: "Reports about the group's messages, newest first (owner and admins)", tag, auth: true, params: GroupParams, query: ReportListQuery, response: ReportList, errors: { 403: notManager, 404: missing } },
    ({ caller, params, query }) => d.reports.listForGroup(caller.userId, params.groupId, query));

  defineRoute(
    r,
    {
      method: "post",
      path: "/:groupId/reports/:reportId/resolve",
      summary: "Resolve a report about the group's messages: dismiss, delete_message, remove_from_group or ban_from_group (suspend_account is for operators)",
      tag,
      auth: true,
      params: GroupReportParams,
      body: ResolveReportBody,
      response: ReportSchema,
      errors: {
        400: "Invalid input; `until` without suspend_account; or the action does not fit the report (its sender is the owner or the caller)",
        403: `${adminOnlyByOwner}; or suspend_account`,
        404: `${missing}; or no report of this group has this id`,
        409: "The report is resolved already",
      },
    },
    ({ caller, params, body }) => d.reports.resolveInGroup(caller.userId, params.groupId, params.reportId, body),
  );

  defineRoute(r, { method: "get", path: "/:groupId/bans", summary: "The group's bans, newest first (owner and admins)", tag, auth: true, params: GroupParams, response: GroupBanList, errors: { 403: notManager, 404: missing } },
    ({ caller, params }) => d.moderation.bans(me(caller.userId), params.groupId));

  defineRoute(
    r,
    {
      method: "post",
      path: "/:groupId/bans/:userId",
      summary: "Ban a user: removed if a member, and refused at join and add until unbanned (banning again updates the ban)",
      tag,
      auth: true,
      params: GroupMemberParams,
      response: GroupBanSchema,
      errors: { 400: whom, 403: adminOnlyByOwner, 404: `${missing}; or no such user` },
    },
    ({ caller, params }) => d.moderation.ban(me(caller.userId), params.groupId, params.userId),
  );

  defineRoute(r, { method: "delete", path: "/:groupId/bans/:userId", summary: "Lift a ban", tag, auth: true, params: GroupMemberParams, status: 204, errors: { 403: notManager, 404: `${missing}; or the user is not banned` } },
    async ({ caller, params }) => {
      await d.moderation.unban(me(caller.userId), params.groupId, params.userId);
    });

  defineRoute(
    r,
    {
      method: "put",
      path: "/:groupId/members/:userId/mute",
      summary: "Mute a member until a time: they still read the group but cannot post (muted_in_group) until then",
      tag,
      auth: true,
      params: GroupMemberParams,
      body: MuteMemberBody,
      response: MemberMuteState,
      errors: { 400: `Invalid input, an \`until\` that is not in the future; or ${whom.toLowerCase()}`, 403: adminOnlyByOwner, 404: `${missing}; or the user is not a member` },
    },
    ({ caller, params, body }) => d.moderation.mute(me(caller.userId), params.groupId, params.userId, new Date(body.until)),
  );

  defineRoute(
    r,
    {
      method: "get",
      path: "/:groupId/mutes",
      summary: "Who is muted in the group until when: every mute for the owner and admins; a plain member gets only their own (empty: not muted)",
      tag,
      auth: true,
      params: GroupParams,
      response: GroupMuteList,
      errors: { 403: "A public group the caller has not joined", 404: missing },
    },
    ({ caller, params }) => d.moderation.mutes(me(caller.userId), params.groupId),
  );

  defineRoute(r, { method: "delete", path: "/:groupId/members/:userId/mute", summary: "Let a muted member post again (harmless when not muted)", tag, auth: true, params: GroupMemberParams, response: MemberMuteState, errors: { 400: whom, 403: adminOnlyByOwner, 404: missing } },
    ({ caller, params }) => d.moderation.unmute(me(caller.userId), params.groupId, params.userId));

  return r.router;
}
