// Deleting one's account (issue 15): DELETE /api/users/me (src/account).
import { Router } from "express";
import { AccountDeleting, DeleteAccountBody } from "../account/account.schemas.ts";
import type { AccountDeletion } from "../account/account-deletion.service.ts";
import type { AccountExport } from "../account/account-export.service.ts";
import { clientOf } from "./client-info.ts";
import { defineRoute, type RouteKit } from "./route.ts";

export function accountRouter(kit: Omit<RouteKit, "router">, deletion: Pick<AccountDeletion, "request">, exporter: AccountExport): Router {
  const r: RouteKit = { ...kit, router: Router() };
  defineRoute(
    r,
    {
      method: "delete",
      path: "/me",
      summary: "Delete the caller's account: the password is checked (throttled like a login); every session ends at once",
      description:
        "Accepted: every session (sockets included) has ended, login and phone/username are released; the profile, files, push subscriptions, blocks, partnership and group memberships are removed and the caller's messages become tombstones from \"Deleted user\" in the background",
      tag: "users",
      auth: true,
      body: DeleteAccountBody,
      response: AccountDeleting,
      status: 202,
      errors: {
        403: "`wrong_password`: password is not this account's password (nothing changed)",
        429: "Too many password attempts on this account, or from this address (shared with login)",
      },
    },
    async ({ caller, body, req }) => {
      const { status } = await deletion.request(caller, body.password, clientOf(req));
      return { status };
    },
  );
  defineRoute(
    r,
    {
      method: "get",
      path: "/me/export",
      summary: "Export the caller's data as one tar archive, streamed (needs a login of the last 15 minutes; once per hour)",
      description:
        "A ustar archive: account.json (account and profile), sessions.jsonl, partner_history.jsonl, groups.jsonl, conversations.jsonl (with read positions), messages.jsonl (every message of every conversation the caller is in, with reactions), blocks.jsonl, audit.jsonl, files.jsonl (every upload; Cloudinary ones by URL) and files/ (uploads stored on this server). Other users appear only as public cards (id, username, display_name, avatar_url)",
      tag: "users",
      auth: true,
      binaryResponse: "application/x-tar",
      errors: {
        403: "`forbidden` (details.reason `login_required`): the session's login is older than 15 minutes; log in again",
        429: "One export per user per hour",
      },
    },
    async ({ caller, res }) => {
      await exporter.authorize(caller);
      res.setHeader("content-type", "application/x-tar");
      res.setHeader("content-disposition", `attachment; filename="export-${caller.userId}.tar"`);
      res.setHeader("cache-control", "no-store");
      try {
        await exporter.write(caller.userId, res);
        res.end();
      } catch (err) {
        // Before the first byte the error is answered as JSON; after, the archive is cut short.
        if (!res.headersSent) {
          res.removeHeader("content-disposition");
          throw err;
        }
        res.destroy(err instanceof Error ? err : new Error(String(err)));
      }
    },
  );
  return r.router;
}
