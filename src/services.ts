// Builds every model and service from the app's dependencies. Plain factories: each
// service receives exactly what it uses, so its dependencies are readable at a glance.
import type { Express } from "express";
import type { AppDeps, ChatServer } from "./app.ts";
import { createAuthService } from "./auth/auth.service.ts";
import { bcryptHasher } from "./auth/password-hasher.ts";
import { createThrottles } from "./auth/rate-limiter.ts";
import { createTokenService } from "./auth/token.service.ts";
import { createCouplePolicy } from "./couples/couple.policy.ts";
import { createCoupleService } from "./couples/couple.service.ts";
import { createDmPolicy } from "./dms/dm.policy.ts";
import { createDmService } from "./dms/dm.service.ts";
import { createEventLog } from "./events/event-log.service.ts";
import { userRoom } from "./events/notifier.ts";
import { createSocketNotifier } from "./events/socket-notifier.ts";
import { createGroupPolicy } from "./groups/group.policy.ts";
import { createGroupService } from "./groups/group.service.ts";
import type { Metrics } from "./infra/metrics.ts";
import { createMedia } from "./media/create-media.ts";
import { createAttachmentValidator } from "./messaging/attachment-rules.ts";
import type { ConversationPolicy } from "./messaging/conversation-policy.ts";
import { memoryLatestWindow, redisLatestWindow } from "./messaging/latest-window.ts";
import { createMessageService, type Actor } from "./messaging/message.service.ts";
import { createReadStateService } from "./messaging/read-state.service.ts";
import { createTypingService } from "./messaging/typing.service.ts";
import { createPresenceService } from "./presence/presence.service.ts";
import { memoryPresence, redisPresence } from "./presence/presence-store.ts";
import { createProfileService } from "./profiles/profile.service.ts";
import { InflightTracker } from "./shared/inflight.ts";
import { createStickerService } from "./stickers/sticker.service.ts";
import { toUserPublic } from "./users/user.dto.ts";
import { createUserService } from "./users/user.service.ts";
import { createHandshakeCaches } from "./auth/handshake-caches.ts";

const HOUR = 3600_000;
const ACTOR_CACHE_MS = 5000;

export function createServices(deps: AppDeps & { io: ChatServer; metrics: Metrics }) {
  const { config, storage, redis, io } = deps;
  const { users: userRecords, sessions, conversations } = storage;

  const tokens = createTokenService({
    accessSecret: deps.secrets.access,
    refreshSecret: deps.secrets.refresh,
    issuer: config.auth.issuer,
    audience: config.auth.audience,
    accessTtlSec: config.auth.accessTtlSec,
    refreshTtlSec: config.auth.refreshTtlSec,
  });
  const hasher = deps.hasher ?? bcryptHasher(config.auth.bcryptRounds);
  const eventLog = createEventLog({ events: storage.events, retentionSec: config.delivery.eventRetentionSec, maxPage: config.limits.historyMaxPage });
  const notifier = createSocketNotifier(io, eventLog, (ns, event) => deps.metrics.eventsOut.inc({ namespace: ns, event }));
  // Cached per id for the handshake and presence; the services that change them invalidate.
  const handshakeCaches = createHandshakeCaches({ users: userRecords, sessions, namespace: io.of("/couples") });
  const { userFacts, sessionCheck } = handshakeCaches;
  const users = createUserService({ users: userRecords, notifier, onUserChanged: (id) => handshakeCaches.usersChanged([id]) });
  const throttles = createThrottles(config.limits, redis);
  const auth = createAuthService({
    userRecords,
    sessions,
    users,
    tokens,
    hasher,
    loginThrottle: throttles.login,
    onSessionRevoked: (sid) => {
      handshakeCaches.sessionRevoked(sid);
      notifier.endSession(sid, "session_revoked");
    },
  });

  const policies: Record<"couple" | "group" | "dm", ConversationPolicy> = {
    couple: createCouplePolicy({ conversations }),
    group: createGroupPolicy({ groups: storage.groups, conversations }),
    dm: createDmPolicy({ users: userRecords, conversations }),
  };
  const stickers = createStickerService({ stickers: storage.stickers });
  const windowSize = config.messaging.latestWindowSize;
  const window = redis ? redisLatestWindow(redis, windowSize) : memoryLatestWindow(windowSize);
  const readStates = createReadStateService({ conversations, messages: storage.messages, notifier });
  const media = createMedia(config, deps.log, storage.uploads);
  const messages = createMessageService({
    messages: storage.messages,
    window,
    windowSize,
    notifier,
    maxPage: config.limits.historyMaxPage,
    validateAttachments: createAttachmentValidator({ isMediaOf: (url, userId) => media.uploads.ownedBy(url, userId), assertSticker: (s) => stickers.assertValid(s) }),
    emitToUser: (ns, userId, event, payload) => io.of(`/${ns}`).to(userRoom(userId)).emit(event, payload as never),
    canDelete: (ref, userId, m) => policies[ref.type].canDelete(ref, userId, m),
  });
  const typing = createTypingService({ notifier, timeoutMs: config.messaging.typingTimeoutMs });
  const couples = createCoupleService({ users: userRecords, partnerRequests: storage.partnerRequests, conversations, notifier, readStates, onPartnersChanged: (ids) => handshakeCaches.usersChanged(ids) });
  const groups = createGroupService({ groups: storage.groups, conversations, users: userRecords, window, notifier, readStates });
  const dms = createDmService({ conversations, users: userRecords, messages, readStates });
  const profiles = createProfileService({ profiles: storage.profiles, users: userRecords });
  const presence = createPresenceService({ store: redis ? redisPresence(redis) : memoryPresence(), users: userFacts, notifier });

  // The sender's card is stamped on every message; a few seconds of caching spares a
  // user lookup per message at the cost of a short delay after a profile change.
  const actorCache = new Map<string, { actor: Actor; at: number }>();
  async function actorOf(userId: string): Promise<Actor> {
    const hit = actorCache.get(userId);
    if (hit && Date.now() - hit.at < ACTOR_CACHE_MS) return hit.actor;
    const card = toUserPublic(await users.getRecord(userId));
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
    storage,
    tokens,
    hasher,
    eventLog,
    notifier,
    users,
    auth,
    throttles,
    policies,
    stickers,
    messages,
    readStates,
    typing,
    couples,
    groups,
    /** The ids of the groups the user is a member of (the rooms a /groups socket joins). */
    async groupIdsOf(userId: string): Promise<string[]> {
      return (await conversations.keysOf(userId)).filter((k) => k.startsWith("group:")).map((k) => k.slice("group:".length));
    },
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
      return inflight.idle(timeoutMs);
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
