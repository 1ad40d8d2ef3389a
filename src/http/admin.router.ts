// /api/admin: the operators' routes (ADMIN_USER_IDS, issue 15): every report, and suspending
// accounts. Anyone else is answered 403.
import { Router } from "express";
import { ReportList, ReportListQuery, ReportParams, ReportSchema, ResolveReportBody, SuspendBody, SuspensionState, UserParams } from "../moderation/moderation.schemas.ts";
import type { ReportService } from "../moderation/report.service.ts";
import type { Suspensions } from "../moderation/suspension.service.ts";
import { defineRoute, type RouteKit } from "./route.ts";

export function adminRouter(kit: Omit<RouteKit, "router">, d: { reports: ReportService; suspensions: Suspensions }): Router {
  const r: RouteKit = { ...kit, router: Router() };
  const tag = "admin";
  const notOperator = "The caller is not an operator (ADMIN_USER_IDS)";

  defineRoute(r, { method: "get", path: "/reports", summary: "Every report, newest first (?status=open|resolved)", tag, auth: true, query: ReportListQuery, response: ReportList, errors: { 403: notOperator } },
    ({ caller, query }) => d.reports.listAll(caller.userId, query));

  defineRoute(
    r,
    {
      method: "post",
      path: "/reports/:reportId/resolve",
      summary: "Resolve any report: dismiss, delete_message, remove_from_group, ban_from_group or suspend_account (with `until`, or indefinitely)",
      tag,
      auth: true,
      params: ReportParams,
      body: ResolveReportBody,
      response: ReportSchema,
      errors: {
        400: "Invalid input; `until` without suspend_account, or not in the future; or the action does not fit the report (a user report has no message; remove and ban need a group; not the owner, not the caller)",
        403: notOperator,
        404: "No report has this id; or its conversation is gone",
        409: "The report is resolved already",
      },
    },
    ({ caller, params, body }) => d.reports.resolveAsOperator(caller.userId, params.reportId, body),
  );

  defineRoute(
    r,
    {
      method: "post",
      path: "/users/:userId/suspend",
      summary: "Suspend an account (until a time, or indefinitely): every session ends at once; login and refresh answer 403 account_suspended until it is lifted",
      tag,
      auth: true,
      params: UserParams,
      body: SuspendBody,
      response: SuspensionState,
      errors: { 400: "Invalid input, an `until` that is not in the future, or the caller's own account", 403: notOperator, 404: "No such user" },
    },
    ({ caller, params, body }) => d.suspensions.suspend(caller.userId, params.userId, { until: body.until ? new Date(body.until) : undefined, reason: body.reason }),
  );

  defineRoute(r, { method: "delete", path: "/users/:userId/suspend", summary: "Lift a suspension (harmless when there is none)", tag, auth: true, params: UserParams, response: SuspensionState, errors: { 403: notOperator, 404: "No such user" } },
    ({ caller, params }) => d.suspensions.lift(caller.userId, params.userId));

  return r.router;
}
