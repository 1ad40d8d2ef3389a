// Builds every service from the app's dependencies: plain composition, no logic. Each
// service receives exactly what it uses, so its dependencies are readable at a glance;
// each transport handler and router then takes the few services it calls (handlers/index.ts,
// src/http/api.ts). Nothing here knows about sockets: the services reach devices through
// the Fanout they are given (Socket.IO in the app, a recording one in service tests).
import { createAccountDeletion } from "./account/account-deletion.service.ts";
import { createAccountExport } from "./account/account-export.service.ts";
import type { JwtSecrets } from "./auth/secrets.ts";
import { createAuditLog } from "./audit/audit.service.ts";
import { createAccountSecurity } from "./auth/create-account-security.ts";
import { createSessionActivity } from "./auth/session-activity.ts";
import { createHandshakeCaches } from "./auth/handshake-caches.ts";
import { bcryptHasher, type PasswordHasher } from "./auth/password-hasher.ts";
import { createThrottles } from "./auth/rate-limiter.ts";
import { createTokenService } from "./auth/token.service.ts";
import type { Config } from "./config.ts";
import { createCouplePolicy } from "./couples/couple.policy.ts";
import { createCoupleService } from "./couples/couple.service.ts";
import { createDmPolicy } from "./dms/dm.policy.ts";
import { createDmService } from "./dms/dm.service.ts";
import { createEventLog } from "./events/event-log.service.ts";
import { createNotifier } from "./events/event-notifier.ts";
import type { Fanout } from "./events/fanout.ts";
import type { NamespaceName } from "./events/notifier.ts";
import { createGroupPolicy } from "./groups/group.policy.ts";
import { createGroupService } from "./groups/group.service.ts";
import { createModeration } from "./moderation/create-moderation.ts";
import type { ClusterBus } from "./infra/cluster-bus.ts";
import type { Logger } from "./infra/logger.ts";
import type { Redis } from "./infra/redis.ts";
import { createMedia } from "./media/create-media.ts";
import { createActorDirectory } from "./messaging/actor-directory.ts";
import { createAttachmentValidator } from "./messaging/attachment-rules.ts";
import type { ConversationPolicy } from "./messaging/conversation-policy.ts";
import { memoryLatestWindow, redisLatestWindow } from "./messaging/latest-window.ts";
import { createMessageService } from "./messaging/message.service.ts";
import { createSenderRedaction, deletedSendersFrom } from "./messaging/deleted-senders.ts";
import { createReadStateService } from "./messaging/read-state.service.ts";
import { createTypingService } from "./messaging/typing.service.ts";
import { createOperationRunner } from "./pipeline/operation.ts";
import { createPresenceService } from "./presence/presence.service.ts";
import { memoryPresence, redisPresence } from "./presence/presence-store.ts";
import { createProfileService } from "./profiles/profile.service.ts";
import { createBlockService } from "./safety/block.service.ts";
import { createPush } from "./push/create-push.ts";
import type { PushMetrics } from "./push/push-metrics.ts";
import { InflightTracker } from "./shared/inflight.ts";
import { createStickerService } from "./stickers/sticker.service.ts";
import type { Storage } from "./storage/storage.ts";
import { createUserService } from "./users/user.service.ts";

export interface ServiceDeps {
  config: Config;
  log: Logger;
  storage: Storage;
  redis?: Redis | undefined;
  secrets: JwtSecrets;
  hasher?: PasswordHasher | undefined;
  /** How services reach devices (src/events/fanout.ts). */
  fanout: Fanout;
  /** Messages to the other nodes (cache invalidations); none on a single node. */
  clusterBus?: ClusterBus | undefined;
  /** Counts each emit (metrics). */
  onEmit?: (ns: NamespaceName, event: string) => void;
  /** Counts pushes sent, failed, retried, pruned (metrics). */
  pushMetrics?: PushMetrics | undefined;
}

export function createServices(deps: ServiceDeps) {
  const { config, storage, redis } = deps;
  const { users: userRecords, sessions, conversations } = storage;

  const tokens = createTokenService({
    accessSecret: deps.secrets.access,
    refreshSecret: deps.secrets.refresh,
    issuer: config.auth.issuer,
    audience: config.auth.audience,
    accessTtlSec: config.auth.accessTtlSec,
    refreshTtlSec: config.auth.refreshTtlSec,
  });
  // The security audit log (src/audit): other features record through `audit.record`.
  const audit = createAuditLog({ audit: storage.audit, log: deps.log, retentionDays: config.audit.retentionDays });
  // Sessions' "last used", written at most every few minutes per session (src/auth/session-activity.ts).
  const sessionActivity = createSessionActivity({ sessions, log: deps.log });
  // Cached per id for the handshake and presence; the services that change them invalidate.
  const handshakeCaches = createHandshakeCaches({ users: userRecords, sessions, bus: deps.clusterBus, onSessionUsed: (sid) => sessionActivity.used(sid) });
  const { userFacts, sessionCheck } = handshakeCaches;
  // Messages of an account being deleted are served as tombstones on every read (src/messaging/deleted-senders.ts).
  const redaction = createSenderRedaction(deletedSendersFrom(userFacts));
  const eventLog = createEventLog({ events: storage.events, retentionSec: config.delivery.eventRetentionSec, maxPage: config.limits.historyMaxPage, redaction });
  const notifier = createNotifier({ fanout: deps.fanout, eventLog, ...(deps.onEmit ? { onEmit: deps.onEmit } : {}) });
  const users = createUserService({ users: userRecords, notifier, onUserChanged: (id) => handshakeCaches.usersChanged([id]) });
  const throttles = createThrottles(config.limits, redis);
  const presenceStore = redis ? redisPresence(redis) : memoryPresence();
  const readStates = createReadStateService({ conversations, messages: storage.messages, notifier });
  // Blocks (src/safety), before the pushes and policies that ask them. Blocking one's partner
  // breaks up: the hook calls couples (made below; it runs only once a block is made).
  const blocks = createBlockService({ blocks: storage.blocks, users: userRecords, bus: deps.clusterBus, onBlocked: (a, b) => couples.blocked(a, b) });
  // Pushes (docs/PUSH.md): started and stopped by app.ts; the services call its triggers.
  const push = createPush({
    config,
    log: deps.log,
    redis,
    storage,
    presence: presenceStore,
    unreadTotal: (userId) => readStates.unreadTotal(userId),
    isBlocked: (recipientId, senderId) => blocks.between(recipientId, senderId),
    metrics: deps.pushMetrics,
  });
  const hasher = deps.hasher ?? bcryptHasher(config.auth.bcryptRounds);
  // Login, refresh, sessions you can see and end, password change (src/auth/create-account-security.ts).
  const { auth, password, sessionList, sessionEnding, guard } = createAccountSecurity({
    userRecords,
    sessions,
    users,
    tokens,
    hasher,
    loginThrottle: throttles.login,
    loginWindowSec: config.limits.loginWindowSec,
    audit,
    activity: sessionActivity,
    onSessionRevoked: (sid) => {
      handshakeCaches.sessionRevoked(sid);
      notifier.endSession(sid, "session_revoked");
      // Its devices stop getting this user's pushes (the device may be handed to someone else).
      push.subscriptions.sessionEnded(sid).catch((err: unknown) => deps.log.error({ err, session: sid }, "push subscriptions of a revoked session not removed"));
    },
  });

  const policies: Record<"couple" | "group" | "dm", ConversationPolicy> = {
    couple: createCouplePolicy({ conversations, users: userRecords, facts: userFacts }),
    group: createGroupPolicy({ groups: storage.groups, conversations, sanctions: storage.groupSanctions }),
    dm: createDmPolicy({ users: userRecords, conversations, blocks }),
  };
  const stickers = createStickerService({ stickers: storage.stickers });
  const windowSize = config.messaging.latestWindowSize;
  const window = redis ? redisLatestWindow(redis, windowSize) : memoryLatestWindow(windowSize);
  const media = createMedia(config, deps.log, storage.uploads);
  const inflight = new InflightTracker();
  const messages = createMessageService({
    messages: storage.messages,
    window,
    windowSize,
    notifier,
    maxPage: config.limits.historyMaxPage,
    validateAttachments: createAttachmentValidator({ isMediaOf: (url, userId) => media.uploads.ownedBy(url, userId), assertSticker: (s) => stickers.assertValid(s) }),
    canDelete: (ref, userId, m) => policies[ref.type].canDelete(ref, userId, m),
    push: push.triggers,
    afterwards: (job) => void inflight.run(job).catch((err: unknown) => deps.log.warn({ err }, "follow-up of a message change failed")),
    redaction,
  });

  const couples = createCoupleService({
    users: userRecords,
    partnerRequests: storage.partnerRequests,
    conversations,
    notifier,
    readStates,
    onPartnersChanged: (ids) => handshakeCaches.usersChanged(ids),
    push: push.triggers,
    blocks,
  });

  const groups = createGroupService({ groups: storage.groups, conversations, users: userRecords, window, notifier, readStates, push: push.triggers, sanctions: storage.groupSanctions });
  // Reports, group bans and mutes, suspensions (src/moderation, issue 15).
  const moderation = createModeration({
    config,
    storage,
    policies,
    messages,
    groups,
    notifier,
    audit,
    endSessions: (userId) => sessionEnding.endAllOf(userId, "suspension"),
    usersChanged: (ids) => handshakeCaches.usersChanged(ids),
    reportThrottle: throttles.reportsByUser,
  });

  // Deleting one's account (src/account, issue 15): a resumable job over the features above.
  const accountDeletion = createAccountDeletion({
    repo: storage.accountDeletions,
    users: userRecords,
    partnerRequests: storage.partnerRequests,
    conversations,
    groupRecords: storage.groups,
    blockRecords: storage.blocks,
    hasher,
    guard,
    sessionEnding,
    couples,
    groups,
    blocks,
    media: media.storage,
    window,
    usersChanged: (ids) => handshakeCaches.usersChanged(ids),
    audit,
    log: deps.log,
    // Pages of 500 on SQLite (one short transaction each); 100 on MongoDB, where one page is an
    // updateMany over its ids and FerretDB takes seconds for 500, near the 5 s operation bound.
    pageSize: config.accountDeletion.pageSize ?? (storage.kind === "mongo" ? 100 : 500),
  });

  return {
    storage,
    tokens,
    eventLog,
    notifier,
    users,
    auth,
    /** The security audit log: `audit.record({user_id, type, client?, data?})` (src/audit/audit.service.ts). */
    audit,
    password,
    sessionList,
    /** Ends sessions with their sockets and an audit line: `sessionEnding.endAllOf(userId, "suspension")` (src/auth/session-ending.ts). */
    sessionEnding,
    /** Deleting one's account: `request`, and `resumeAll` at start (src/account). */
    accountDeletion,
    /** Exporting one's data as one archive (src/account/account-export.service.ts). */
    accountExport: createAccountExport({
      users: userRecords,
      profiles: storage.profiles,
      sessions,
      partnerRequests: storage.partnerRequests,
      conversations,
      messages: storage.messages,
      groups: storage.groups,
      blocks: storage.blocks,
      audit: storage.audit,
      uploads: storage.accountDeletions,
      media: media.storage,
      scratchDir: media.paths.incoming,
      throttle: throttles.exportByUser,
      redaction,
    }),
    throttles,
    policies,
    stickers,
    messages,
    readStates,
    typing: createTypingService({ notifier, timeoutMs: config.messaging.typingTimeoutMs, blocks }),
    couples,
    /** Who blocked whom, and the checks the other features make (src/safety). */
    blocks,
    groups,
    /** Reports, group moderation, suspensions, operators (src/moderation). */
    moderation,
    dms: createDmService({ conversations, users: userRecords, messages, readStates, blocks }),
    profiles: createProfileService({ profiles: storage.profiles, users: userRecords, blocks }),
    presence: createPresenceService({ store: presenceStore, users: userFacts, notifier, blocks }),
    push,
    userFacts,
    sessionCheck,
    /** Serves a deleted account's messages as tombstones: sync pages pass through it (src/messaging/deleted-senders.ts). */
    redaction,
    media,
    /** Operations in progress: a graceful shutdown waits for them (src/app.ts close). */
    inflight,
    /** The shared steps of every client operation (src/pipeline/operation.ts). */
    perform: createOperationRunner({ inflight, actors: createActorDirectory({ users: userRecords }) }),
  };
}

export type Services = ReturnType<typeof createServices>;
