// Builds every model and service from the app's dependencies. Plain factories: each
// service receives exactly what it uses, so its dependencies are readable at a glance.
import type { Express } from "express";
import type { AppDeps, ChatServer } from "./app.ts";
import { createAuthService } from "./auth/auth.service.ts";
import { bcryptHasher } from "./auth/password-hasher.ts";
import { createRateLimiter } from "./auth/rate-limiter.ts";
import { defineSessionModels } from "./auth/session.model.ts";
import { createTokenService } from "./auth/token.service.ts";
import { createEventLog } from "./events/event-log.service.ts";
import { defineEventModels } from "./events/event.model.ts";
import { createSocketNotifier } from "./events/socket-notifier.ts";
import type { NamespaceName } from "./events/notifier.ts";
import type { Metrics } from "./infra/metrics.ts";
import { defineUserModel } from "./users/user.model.ts";
import { createUserService } from "./users/user.service.ts";
import { InflightTracker } from "./shared/inflight.ts";

const HOUR = 3600_000;

export function conversationKey(ns: NamespaceName, id: string): string {
  if (ns === "dm") return id; // already "dm:a|b"
  return `${ns === "couples" ? "couple" : "group"}:${id}`;
}

export function createServices(deps: AppDeps & { io: ChatServer; metrics: Metrics }) {
  const { config, db, redis } = deps;
  const User = defineUserModel(db);
  const { Session, RefreshToken } = defineSessionModels(db);
  const { Event, Stream } = defineEventModels(db);

  const tokens = createTokenService({
    accessSecret: deps.secrets.access,
    refreshSecret: deps.secrets.refresh,
    issuer: config.auth.issuer,
    audience: config.auth.audience,
    accessTtlSec: config.auth.accessTtlSec,
    refreshTtlSec: config.auth.refreshTtlSec,
  });
  const hasher = deps.hasher ?? bcryptHasher(config.auth.bcryptRounds);
  const eventLog = createEventLog({ Event, Stream, retentionSec: config.delivery.eventRetentionSec, maxPage: config.limits.historyMaxPage });
  const notifier = createSocketNotifier(deps.io, eventLog, conversationKey);
  const users = createUserService({ User, notifier });
  const auth = createAuthService({
    User,
    Session,
    RefreshToken,
    users,
    tokens,
    hasher,
    loginByPhone: createRateLimiter({ name: "login-phone", points: config.limits.loginMaxPerPhone, durationSec: config.limits.loginWindowSec, redis }),
    loginByIp: createRateLimiter({ name: "login-ip", points: config.limits.loginMaxPerIp, durationSec: config.limits.loginWindowSec, redis }),
  });

  const inflight = new InflightTracker();
  const timers: NodeJS.Timeout[] = [];
  const every = (ms: number, job: () => Promise<unknown>) => {
    const t = setInterval(() => void job().catch((err) => deps.log.warn({ err }, "background job failed")), ms);
    t.unref();
    timers.push(t);
  };

  return {
    models: { User, Session, RefreshToken, Event, Stream },
    tokens,
    hasher,
    eventLog,
    notifier,
    users,
    auth,
    inflight,
    mountStatic: undefined as ((app: Express) => void) | undefined,

    async init() {
      await Promise.all([User.init(), Session.init(), RefreshToken.init(), Event.init(), Stream.init()]);
      await eventLog.epoch();
      every(HOUR, () => auth.pruneExpired());
      every(HOUR, () => eventLog.prune());
    },
    stopBackgroundJobs() {
      for (const t of timers) clearInterval(t);
    },
    /** Waits for writes already accepted to finish (bounded), so SIGTERM loses nothing acked or in flight. */
    drain(timeoutMs: number) {
      return inflight.idle(timeoutMs);
    },
  };
}

export type Services = ReturnType<typeof createServices>;
