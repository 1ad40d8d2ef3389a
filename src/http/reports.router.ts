// /api/reports: any user reports a message they can see, or another user (issue 15). Who
// resolves: src/http/group-moderation.router.ts (a group's managers), src/http/admin.router.ts (operators).
import { Router } from "express";
import { FileReportBody, ReportSchema } from "../moderation/moderation.schemas.ts";
import type { ReportService } from "../moderation/report.service.ts";
import { defineRoute, type RouteKit } from "./route.ts";

export function reportsRouter(kit: Omit<RouteKit, "router">, reports: Pick<ReportService, "file">): Router {
  const r: RouteKit = { ...kit, router: Router() };
  defineRoute(
    r,
    {
      method: "post",
      path: "/",
      summary: "Report a message of a conversation you are in, or another user (reason from a fixed list, an optional note)",
      tag: "moderation",
      auth: true,
      body: FileReportBody,
      response: ReportSchema,
      status: 201,
      description: "Filed: open, until a group admin (a message in their group) or an operator resolves it; a new report about a group's message reaches its owner and admins live (group_report_filed on /groups)",
      alsoStatus: { status: 200, description: "The caller had an open report about this target: updated (reason, note, the message's snapshot)" },
      errors: {
        400: "Invalid input; or the caller's own message, or the caller themselves",
        403: "A public group the caller has not joined",
        404: "No such user, conversation the caller is in, or message in it",
        409: "The message was deleted",
        429: "rate_limited: more than REPORT_MAX_PER_HOUR reports by the caller within an hour; `details.retry_after_ms` (and Retry-After) say when to retry",
      },
    },
    async ({ caller, body, res }) => {
      const { report, created } = await reports.file(caller.userId, body);
      if (!created) res.status(200);
      return report;
    },
  );
  return r.router;
}
