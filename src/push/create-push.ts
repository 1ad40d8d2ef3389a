// The push subsystem, composed from the configuration (like create-media.ts): the senders,
// the queue (Redis Streams when REDIS_URL is set, else in process), the worker, the triggers
// the services call, and the subscriptions service the REST routes call. app.ts starts the
// workers once the server listens and stops them in close().
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { SessionRepository } from "../auth/session.repository.ts";
import type { Config } from "../config.ts";
import type { Logger } from "../infra/logger.ts";
import type { Redis } from "../infra/redis.ts";
import type { ConversationRepository } from "../messaging/conversation.repository.ts";
import type { PresenceStore } from "../presence/presence-store.ts";
import type { UserRepository } from "../users/user.repository.ts";
import { fcmTokenSource, loadServiceAccount } from "./fcm-auth.ts";
import { fcmSender } from "./fcm-sender.ts";
import { logSender } from "./log-sender.ts";
import { memoryPushQueue } from "./memory-push-queue.ts";
import { createPushDelivery } from "./push-delivery.ts";
import { createPushFanout, type BlockedHook } from "./push-fanout.ts";
import { noPushMetrics, type PushMetrics } from "./push-metrics.ts";
import type { PushQueue } from "./push-queue.ts";
import { createPushSubscriptionService } from "./push-subscription.service.ts";
import type { PushSubscriptionRepository } from "./push-subscription.repository.ts";
import { createPushTriggers, noPushTriggers } from "./push-triggers.ts";
import { createPushWorker } from "./push-worker.ts";
import { redisPushQueue } from "./redis-push-queue.ts";
import { SpillFile } from "./spill-file.ts";
import { resolveVapidKeys, type VapidKeys } from "./vapid-keys.ts";
import { assertVapidUsable, webPushSender } from "./webpush-sender.ts";

export interface PushDeps {
  config: Pick<Config, "push" | "dataDir">;
  log: Logger;
  redis?: Redis | undefined;
  storage: {
    pushSubscriptions: PushSubscriptionRepository;
    conversations: Pick<ConversationRepository, "members">;
    users: Pick<UserRepository, "byId">;
    sessions: Pick<SessionRepository, "sessions">;
  };
  presence: Pick<PresenceStore, "count">;
  unreadTotal(userId: string): Promise<number>;
  /** Blocking does not exist yet; when it does, this says whether the recipient blocked the sender. */
  isBlocked?: BlockedHook;
  metrics?: PushMetrics | undefined;
}

export function createPush(d: PushDeps) {
  const cfg = d.config.push;
  const metrics = d.metrics ?? noPushMetrics;
  const log = d.log.child({ module: "push" });
  const policy = { allowPrivate: cfg.allowPrivateEndpoints };
  if (policy.allowPrivate) log.warn("PUSH_ALLOW_PRIVATE_ENDPOINTS is on: pushes may go to private and loopback addresses (tests only)");

  let vapidKeys: Promise<VapidKeys> | null = null;
  const vapid = () =>
    (vapidKeys ??= resolveVapidKeys({ configured: cfg.vapid, dataDir: d.config.dataDir, redis: d.redis }).then(
      (keys) => {
        assertVapidUsable(keys, cfg.vapid.subject);
        return keys;
      },
      (err: unknown) => {
        vapidKeys = null; // Redis was not there: ask again next time
        throw err;
      },
    ));

  // Read at start, so a bad service account or CA file stops the server with the variable named.
  const account = loadServiceAccount(cfg.fcm);
  const ca = cfg.caFile ? readFileSync(cfg.caFile, "utf8") : undefined;
  const logOnly = logSender(log, { withPreview: cfg.sender === "log" });
  const web = cfg.sender === "log" ? logOnly : webPushSender({ vapid, subject: cfg.vapid.subject, policy, timeoutMs: cfg.requestTimeoutMs, ca });
  const fcm = cfg.sender === "log" || !account ? logOnly : fcmSender({ account, tokens: fcmTokenSource(account, { timeoutMs: cfg.requestTimeoutMs }), apiUrl: cfg.fcm.apiUrl, timeoutMs: cfg.requestTimeoutMs });
  if (cfg.sender === "auto" && !account) log.info("no FCM service account (FCM_SERVICE_ACCOUNT_FILE/_JSON): FCM pushes are only logged");

  const retry = { maxAttempts: cfg.maxAttempts, baseMs: cfg.retryBaseMs, maxMs: cfg.retryMaxMs };
  let queue: PushQueue;
  if (d.redis) {
    queue = redisPushQueue(d.redis, { concurrency: cfg.concurrency, claimIdleMs: cfg.claimIdleMs, graceMs: cfg.shutdownGraceMs, log });
  } else {
    mkdirSync(d.config.dataDir, { recursive: true, mode: 0o700 });
    const spill = new SpillFile(join(d.config.dataDir, "push-spill.jsonl"), log);
    queue = memoryPushQueue({ concurrency: cfg.concurrency, maxJobs: cfg.queueMaxJobs, graceMs: cfg.shutdownGraceMs, spill, log });
  }

  const fanout = createPushFanout({
    conversations: d.storage.conversations,
    users: d.storage.users,
    sessions: d.storage.sessions,
    subscriptions: d.storage.pushSubscriptions,
    presence: d.presence,
    unreadTotal: d.unreadTotal,
    isBlocked: d.isBlocked ?? (async () => false),
    metrics,
  });
  const deliver = createPushDelivery({
    subscriptions: d.storage.pushSubscriptions,
    senderFor: (s) => (s.type === "webpush" ? web : fcm),
    ttlSec: cfg.ttlSec,
    retry,
    metrics,
    log,
  });
  const worker = createPushWorker({ fanout, deliver, retry, metrics, log });
  let started = false;

  return {
    /** What the services call when something happens (returns at once). */
    triggers: cfg.sender === "off" ? noPushTriggers : createPushTriggers({ enqueue: (jobs) => queue.enqueue(jobs), includePreview: cfg.includePreview, metrics, log }),
    subscriptions: createPushSubscriptionService({ subscriptions: d.storage.pushSubscriptions, maxPerUser: cfg.maxSubscriptionsPerUser, metrics }),
    queueKind: queue.kind,
    vapidPublicKey: async () => (await vapid()).publicKey,
    /** Jobs waiting, delayed or in hand (in Redis: the whole cluster's). */
    depth: () => queue.depth(),
    /** Starts the workers (app.ts, once listening). */
    start() {
      if (started || cfg.sender === "off") return;
      started = true;
      vapid().catch((err: unknown) => log.error({ err }, "VAPID keys unavailable: Web Push sends will fail until they are"));
      queue.start(worker);
    },
    /** Stops taking jobs; those in hand finish within PUSH_SHUTDOWN_GRACE_MS or are handed back. */
    async stop() {
      await queue.stop();
      web.close?.();
    },
  };
}

export type Push = ReturnType<typeof createPush>;
