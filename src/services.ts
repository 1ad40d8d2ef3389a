// Builds every model and service from the app's dependencies. Plain factories: each
// service receives exactly what it uses, so its dependencies are readable at a glance.
import type { Express } from "express";
import type { AppDeps, ChatServer } from "./app.ts";
import { createAuthService } from "./auth/auth.service.ts";
import { bcryptHasher } from "./auth/password-hasher.ts";
import { createRateLimiter } from "./auth/rate-limiter.ts";
import { defineSessionModels } from "./auth/session.model.ts";
import { createTokenService } from "./auth/token.service.ts";
import { createCouplePolicy } from "./couples/couple.policy.ts";
import { createCoupleService } from "./couples/couple.service.ts";
import { definePartnerRequestModel } from "./couples/partner-request.model.ts";
import { createDmPolicy } from "./dms/dm.policy.ts";
import { createDmService } from "./dms/dm.service.ts";
import { createEventLog } from "./events/event-log.service.ts";
import { defineEventModels } from "./events/event.model.ts";
import { userRoom } from "./events/notifier.ts";
import { createSocketNotifier } from "./events/socket-notifier.ts";
import { defineGroupModel } from "./groups/group.model.ts";
import { createGroupPolicy } from "./groups/group.policy.ts";
import { createGroupService } from "./groups/group.service.ts";
import { socketIoMembershipBus } from "./groups/membership-bus.ts";
import { createMembershipCache } from "./groups/membership-cache.ts";
import type { Metrics } from "./infra/metrics.ts";
import { createMedia } from "./media/create-media.ts";
import { createAttachmentValidator } from "./messaging/attachment-rules.ts";
import type { ConversationPolicy } from "./messaging/conversation-policy.ts";
import { defineConversationModels } from "./messaging/conversation.model.ts";
import { memoryLatestWindow, redisLatestWindow } from "./messaging/latest-window.ts";
import { defineMessageModel } from "./messaging/message.model.ts";
import { createMessageService, type Actor } from "./messaging/message.service.ts";
import { createReadStateService } from "./messaging/read-state.service.ts";
import { createTypingService } from "./messaging/typing.service.ts";
import { createPresenceService } from "./presence/presence.service.ts";
import { memoryPresence, redisPresence } from "./presence/presence-store.ts";
import { defineProfileModel } from "./profiles/profile.model.ts";
import { createProfileService } from "./profiles/profile.service.ts";
import { InflightTracker } from "./shared/inflight.ts";
import { defineStickerPackModel } from "./stickers/sticker.model.ts";
import { createStickerService } from "./stickers/sticker.service.ts";
import { toUserPublic } from "./users/user.dto.ts";
import { defineUserModel } from "./users/user.model.ts";
import { createUserService } from "./users/user.service.ts";
import { createHandshakeCaches } from "./auth/handshake-caches.ts";

const HOUR = 3600_000;
const ACTOR_CACHE_MS = 5000;

export function createServices(deps: AppDeps & { io: ChatServer; metrics: Metrics }) {
  const { config, db, redis, io } = deps;
  const models = {
    User: defineUserModel(db),
    ...defineSessionModels(db),
    ...defineEventModels(db),
    ...defineConversationModels(db),
    Message: defineMessageModel(db),
    PartnerRequest: definePartnerRequestModel(db),
    Group: defineGroupModel(db),
    Profile: defineProfileModel(db),
    StickerPack: defineStickerPackModel(db),
  };
  const { User, Conversation, Message, ReadState, Group } = models;

  const tokens = createTokenService({
    accessSecret: deps.secrets.access,
    refreshSecret: deps.secrets.refresh,
    issuer: config.auth.issuer,
    audience: config.auth.audience,
    accessTtlSec: config.auth.accessTtlSec,
    refreshTtlSec: config.auth.refreshTtlSec,
  });
  const hasher = deps.hasher ?? bcryptHasher(config.auth.bcryptRounds);
  const eventLog = createEventLog({ Event: models.Event, Stream: models.Stream, retentionSec: config.delivery.eventRetentionSec, maxPage: config.limits.historyMaxPage });
  const notifier = createSocketNotifier(io, eventLog, (ns, event) => deps.metrics.eventsOut.inc({ namespace: ns, event }));
  // Cached per id for the handshake and presence; the services that change them invalidate.
  const handshakeCaches = createHandshakeCaches({ User, Session: models.Session, namespace: io.of("/couples") });
  const { userFacts, sessionCheck } = handshakeCaches;
  const users = createUserService({ User, notifier, onUserChanged: (id) => handshakeCaches.usersChanged([id]) });
  const auth = createAuthService({
    User,
    Session: models.Session,
    RefreshToken: models.RefreshToken,
    RefreshClaim: models.RefreshClaim,
    users,
    tokens,
    hasher,
    loginByPhone: createRateLimiter({ name: "login-phone", points: config.limits.loginMaxPerPhone, durationSec: config.limits.loginWindowSec, redis }),
    loginByIp: createRateLimiter({ name: "login-ip", points: config.limits.loginMaxPerIp, durationSec: config.limits.loginWindowSec, redis }),
    onSessionRevoked: (sid) => handshakeCaches.sessionRevoked(sid),
  });

  const groupMembership = createMembershipCache({ Group, bus: socketIoMembershipBus(io.of("/groups")) });
  const policies: Record<"couple" | "group" | "dm", ConversationPolicy> = {
    couple: createCouplePolicy({ Conversation }),
    group: createGroupPolicy({ membership: groupMembership }),
    dm: createDmPolicy({ User, Conversation }),
  };
  const stickers = createStickerService({ StickerPack: models.StickerPack });
  const windowSize = config.messaging.latestWindowSize;
  const window = redis ? redisLatestWindow(redis, windowSize) : memoryLatestWindow(windowSize);
  const readStates = createReadStateService({ ReadState, Message, notifier });
  const media = createMedia(config, deps.log);
  const messages = createMessageService({
    Message,
    Conversation,
    window,
    windowSize,
    notifier,
    maxPage: config.limits.historyMaxPage,
    validateAttachments: createAttachmentValidator({ isOwnMediaUrl: (url) => media.storage.isOwnUrl(url), assertSticker: (s) => stickers.assertValid(s) }),
    emitToUser: (ns, userId, event, payload) => io.of(`/${ns}`).to(userRoom(userId)).emit(event, payload as never),
    canDelete: (ref, userId, m) => policies[ref.type].canDelete(ref, userId, m),
  });
  const typing = createTypingService({ notifier, timeoutMs: config.messaging.typingTimeoutMs });
  const couples = createCoupleService({ User, PartnerRequest: models.PartnerRequest, Conversation, notifier, readStates, onPartnersChanged: (ids) => handshakeCaches.usersChanged(ids) });
  const groups = createGroupService({ Group, User, Conversation, Message, window, notifier, readStates, membership: groupMembership });
  const dms = createDmService({ Conversation, User, messages, readStates });
  const profiles = createProfileService({ Profile: models.Profile, User });
  const presence = createPresenceService({ store: redis ? redisPresence(redis) : memoryPresence(), users: userFacts, notifier });

  // The sender's card is stamped on every message; a few seconds of caching spares a
  // user lookup per message at the cost of a short delay after a profile change.
  const actorCache = new Map<string, { actor: Actor; at: number }>();
  async function actorOf(userId: string): Promise<Actor> {
    const hit = actorCache.get(userId);
    if (hit && Date.now() - hit.at < ACTOR_CACHE_MS) return hit.actor;
    const card = toUserPublic(await users.getDoc(userId));
    const actor = { id: userId, card: { id: card.id, username: card.username, display_name: card.display_name, avatar_url: card.avatar_url } };
    if (actorCache.size > 50_000) actorCache.clear();
    actorCache.set(userId, { actor, at: Date.now() });
    return actor;
  }


  const inflight = new InflightTracker();
  const timers: NodeJS.Timeout[] = [];
  const every = (ms: number, job: () => Promise<unknown>) => {
    const t = setInterval(() => void job().catch((err) => deps.log.warn({ err }, "background job failed")), ms);
    t.unref();
    timers.push(t);
  };

  return {
    models,
    tokens,
    hasher,
    eventLog,
    notifier,
    users,
    auth,
    policies,
    stickers,
    messages,
    readStates,
    typing,
    couples,
    groups,
    groupMembership,
    dms,
    profiles,
    presence,
    userFacts,
    sessionCheck,
    actorOf,
    inflight,
    media,
    mountStatic: media.mountStatic satisfies ((app: Express) => void) | undefined,

    async init() {
      await Promise.all(Object.values(models).map((m) => m.init()));
      await eventLog.epoch();
      if (config.seedStickers) await stickers.seedDefaults();
      every(HOUR, () => auth.pruneExpired());
      every(HOUR, () => eventLog.prune());
      every(30_000, () => presence.refresh(localSockets()));
    },
    stopBackgroundJobs() {
      for (const t of timers) clearInterval(t);
      typing.close();
    },
    /** Waits for writes already accepted to finish (bounded), so SIGTERM loses nothing acked or in flight. */
    drain(timeoutMs: number) {
      return inflight.idle(timeoutMs).then(() => messages.flushDeferred());
    },
  };

  function localSockets() {
    const entries: { userId: string; socketId: string }[] = [];
    for (const ns of ["couples", "groups", "dm"]) {
      for (const socket of io.of(`/${ns}`).sockets.values()) entries.push({ userId: socket.data.userId, socketId: socket.id });
    }
    return entries;
  }
}

export type Services = ReturnType<typeof createServices>;
