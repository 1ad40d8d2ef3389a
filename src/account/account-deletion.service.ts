// Deleting one's account (issue 15). `request` checks the password (throttled like a login),
// records the deletion as a job and replaces the user row by its tombstone in the same step
// (phone and username free at once; the row is suspended for good, so login, refresh and the
// handshake refuse it through the suspension checks), ends every session (sockets cut on
// every node), answers, and runs the remaining steps in the background. Each step is
// idempotent and the job records the next one (and where the paged one stands), so a server
// killed midway finishes the deletion at its next start (`resumeAll`, from app.ts). Until the
// messages step reaches them, every read serves the user's messages as tombstones already
// (src/messaging/deleted-senders.ts, keyed on the tombstone row's suspension reason).
//
// Steps: sessions → partner (the break-up path: `partner_unlinked`) → personal (profile,
// push subscriptions, blocks both ways) → uploads (files through the media storage) →
// reactions → messages (tombstones a page at a time: seq kept, sender shown as "Deleted
// user") → groups (ownership passes to the oldest admin, else the oldest member; a group
// with nobody else is deleted) → audit (`account_deleted`) → done.
import type { AuditLog } from "../audit/audit.service.ts";
import type { PasswordGuard } from "../auth/password-guard.ts";
import type { PasswordHasher } from "../auth/password-hasher.ts";
import type { SessionEnding } from "../auth/session-ending.ts";
import type { CoupleService } from "../couples/couple.service.ts";
import type { PartnerRequestRepository } from "../couples/partner-request.repository.ts";
import { groupKey } from "../groups/group.policy.ts";
import type { GroupRepository } from "../groups/group.repository.ts";
import type { GroupService } from "../groups/group.service.ts";
import type { Logger } from "../infra/logger.ts";
import type { MediaStorage } from "../media/media-storage.ts";
import type { ConversationRepository } from "../messaging/conversation.repository.ts";
import type { LatestWindow } from "../messaging/latest-window.ts";
import { SUSPENDED_INDEFINITELY } from "../moderation/suspension.ts";
import type { BlockRepository } from "../safety/block.repository.ts";
import type { ClientInfo } from "../shared/client-info.ts";
import { AppError, unauthorized } from "../shared/errors.ts";
import { DELETED_REASON, DELETED_USER_NAME, deletedCard } from "../users/deleted-user.ts";
import type { UserRepository } from "../users/user.repository.ts";
import { DELETION_STEPS, type AccountDeletionRepository, type DeletionJob, type DeletionStep } from "./account-deletion.repository.ts";

const yieldTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

// Defined beside the user model, where the read side (message redaction) finds them.
export { DELETED_REASON, DELETED_USER_NAME, deletedCard } from "../users/deleted-user.ts";

export interface AccountDeletionDeps {
  repo: AccountDeletionRepository;
  users: UserRepository;
  partnerRequests: Pick<PartnerRequestRepository, "cancelPendingOf">;
  conversations: ConversationRepository;
  groupRecords: GroupRepository;
  blockRecords: BlockRepository;
  hasher: PasswordHasher;
  guard: PasswordGuard;
  sessionEnding: SessionEnding;
  couples: Pick<CoupleService, "breakUp">;
  groups: Pick<GroupService, "remove" | "expel">;
  blocks: { changed(userIds: string[]): void };
  media: MediaStorage;
  window: Pick<LatestWindow, "invalidate">;
  /** The user's cached facts forgotten on every node (handshake, presence). */
  usersChanged: (ids: string[]) => void;
  audit: AuditLog;
  log: Logger;
  /** Messages per page (one transaction on SQLite, three requests on MongoDB). */
  pageSize?: number;
  /** Called after each step or page (tests: a crash midway). */
  onProgress?: (job: { user_id: string; step: DeletionStep; cursor: string | null }) => void | Promise<void>;
}

export function createAccountDeletion(d: AccountDeletionDeps) {
  const pageSize = d.pageSize ?? 500;
  const running = new Map<string, Promise<void>>();

  async function advance(userId: string, step: DeletionStep, cursor: string | null) {
    await d.repo.advance(userId, step, cursor, new Date());
    await d.onProgress?.({ user_id: userId, step, cursor });
  }
  const next = (step: DeletionStep): DeletionStep => DELETION_STEPS[DELETION_STEPS.indexOf(step) + 1] ?? "done";

  async function runStep(job: DeletionJob, client: ClientInfo | null): Promise<void> {
    const userId = job.user_id;
    switch (job.step) {
      case "sessions":
        await d.sessionEnding.endAllOf(userId, "account_deleted", { client });
        break;
      case "partner": {
        // A pending request from or to a deleted account must not be accepted later.
        await d.partnerRequests.cancelPendingOf([userId], new Date());
        const user = await d.users.byId(userId);
        if (user?.partner_id) {
          try {
            await d.couples.breakUp(userId);
          } catch (err) {
            // The partner broke up meanwhile: nothing left to do.
            if (!(err instanceof AppError && err.code === "conflict")) throw err;
          }
        }
        break;
      }
      case "personal": {
        const related = await d.blockRecords.involving([userId]);
        await d.repo.removePersonalData(userId);
        d.blocks.changed([userId, ...related.map((b) => (b.blocker_id === userId ? b.blocked_id : b.blocker_id))]);
        break;
      }
      case "uploads":
        for (;;) {
          const page = await d.repo.uploadsOf(userId, null, 100);
          if (!page.length) break;
          for (const u of page) {
            // urls: original, then preview and thumbnail when there are (upload.service.ts); local
            // storage removes each, Cloudinary destroys the asset the original names.
            await d.media.remove({ original: u.urls[0] ?? "", preview: u.urls[1] ?? null, thumbnail: u.urls[2] ?? null, type: u.type, bytes: u.bytes });
          }
          await d.repo.removeUploads(page.map((u) => u.id));
        }
        break;
      case "reactions": {
        while ((await d.repo.removeReactionsOf(userId, pageSize)) >= pageSize) await yieldTurn();
        for (const key of await d.conversations.keysOf(userId)) await d.window.invalidate(key);
        break;
      }
      case "messages": {
        const card = deletedCard(userId);
        let cursor = job.cursor;
        let done = 0;
        for (;;) {
          const page = await d.repo.tombstoneMessagesOf(userId, cursor, pageSize, card, new Date());
          if (!page.lastId) break;
          for (const key of page.keys) await d.window.invalidate(key);
          cursor = page.lastId;
          await advance(userId, "messages", cursor);
          done += page.count;
          // Where a long deletion stands (test/account/deletion-kill.test.ts waits for it).
          d.log.debug({ user: userId, step: "messages", cursor, done }, "account deletion: a page of messages tombstoned");
          // SQLite answers synchronously: let other requests run between pages.
          await yieldTurn();
        }
        break;
      }
      case "groups":
        for (const key of await d.conversations.keysOf(userId)) {
          if (!key.startsWith("group:")) continue;
          const groupId = key.slice("group:".length);
          const group = await d.groupRecords.byId(groupId);
          if (!group) continue;
          if (group.owner_id === userId) {
            const others = (await d.conversations.members(groupKey(groupId))).filter((m) => m.user_id !== userId);
            const heir = others.find((m) => m.role === "admin") ?? others[0];
            if (!heir) {
              await d.groups.remove(userId, groupId);
              continue;
            }
            await d.repo.setGroupOwner(groupId, heir.user_id);
            await d.conversations.setRole(groupKey(groupId), heir.user_id, "owner");
          }
          await d.groups.expel(groupId, userId);
        }
        break;
      case "audit":
        await d.audit.record({ user_id: userId, type: "account_deleted", client, data: { started_at: job.started_at.toISOString() } });
        break;
      case "done":
        return;
    }
  }

  async function run(userId: string, client: ClientInfo | null): Promise<void> {
    for (;;) {
      const job = await d.repo.job(userId);
      if (!job || job.step === "done") return;
      await runStep(job, client);
      await advance(userId, next(job.step), null);
      if (next(job.step) === "done") d.log.info({ user: userId, started_at: job.started_at.toISOString() }, "account deletion finished");
    }
  }

  /** Runs (or joins the run of) the user's job to its end. */
  function finish(userId: string, client: ClientInfo | null): Promise<void> {
    const current = running.get(userId);
    if (current) return current;
    const p = run(userId, client).finally(() => running.delete(userId));
    running.set(userId, p);
    return p;
  }

  return {
    /**
     * Checks the password, records the deletion and ends every session (sockets included)
     * before answering; the rest finishes in the background (`settled` for whoever waits).
     */
    async request(caller: { userId: string }, password: string, client: ClientInfo): Promise<{ status: "deleting"; settled: Promise<void> }> {
      const user = await d.users.byId(caller.userId);
      if (!user) throw unauthorized("The user of this token no longer exists");
      await d.guard.attempt(user.phone, client);
      if (!(await d.hasher.verify(password, user.password_hash))) {
        throw new AppError("wrong_password", "password is not this account's password; the account was not deleted");
      }
      await d.guard.succeeded(user.phone, client);
      const job = await d.repo.begin(user.id, new Date(), {
        phone: `deleted:${user.id}`,
        username: `deleted-${user.id}`,
        display_name: DELETED_USER_NAME,
        suspended_until: SUSPENDED_INDEFINITELY,
        suspension_reason: DELETED_REASON,
      });
      d.usersChanged([user.id]);
      if (!job) throw unauthorized("The user of this token no longer exists");
      // Sessions first, before the answer: every device is out when the client hears back.
      if (job.step === "sessions") {
        await runStep(job, client);
        await advance(user.id, next("sessions"), null);
      }
      const settled = finish(user.id, client);
      settled.catch((err: unknown) => d.log.error({ err, user: user.id }, "account deletion stopped; it resumes at the next start"));
      return { status: "deleting", settled };
    },

    /** Finishes every deletion a previous run left unfinished (app start); resolves when all are done. */
    async resumeAll(): Promise<number> {
      const jobs = await d.repo.unfinished(1000);
      for (const job of jobs) {
        d.log.info({ user: job.user_id, step: job.step, cursor: job.cursor }, "account deletion resumed");
        d.usersChanged([job.user_id]);
        try {
          await finish(job.user_id, null);
        } catch (err) {
          d.log.error({ err, user: job.user_id }, "account deletion not finished; it resumes at the next start");
        }
      }
      return jobs.length;
    },

    /** Waits for the runs in progress (graceful shutdown, tests). */
    async idle(): Promise<void> {
      await Promise.allSettled([...running.values()]);
    },
  };
}

export type AccountDeletion = ReturnType<typeof createAccountDeletion>;
