// Mounts every REST router under /api.
import type { Express } from "express";
import type { Config } from "../config.ts";
import type { Metrics } from "../infra/metrics.ts";
import type { Services } from "../services.ts";
import { accountRouter } from "./account.router.ts";
import { authRouter } from "./auth.router.ts";
import { sessionsRouter } from "./sessions.router.ts";
import { chatsRouter, partnersRouter } from "./couples.router.ts";
import { dmRouter } from "./dm.router.ts";
import { eventsRouter } from "./events.router.ts";
import { methodNotAllowed } from "./method-not-allowed.ts";
import { groupMessagesRouter, groupsRouter } from "./groups.router.ts";
import { profilesRouter } from "./profiles.router.ts";
import { pushRouter } from "./push.router.ts";
import type { RouteKit } from "./route.ts";
import { stickerImages, stickersRouter } from "./stickers.router.ts";
import { unreadRouter } from "./unread.router.ts";
import { avatarRouter, uploadsRouter } from "./uploads.router.ts";
import { usersRouter } from "./users.router.ts";
import { adminRouter } from "./admin.router.ts";
import { groupModerationRouter } from "./group-moderation.router.ts";
import { reportsRouter } from "./reports.router.ts";
import { blocksRouter } from "./blocks.router.ts";

export function mountApiRouters(app: Express, kit: Omit<RouteKit, "router" | "prefix">, s: Services, config: Config, metrics: Metrics) {
  const at = (prefix: string) => ({ ...kit, prefix });
  const maxPage = config.limits.historyMaxPage;
  const messageDeps = (type: "couple" | "group" | "dm") => ({ policy: s.policies[type], messages: s.messages, readStates: s.readStates, maxPage });
  // In front of the routers: a method a documented path does not take is a 405 (with Allow).
  app.use("/api", methodNotAllowed(kit.registry));
  app.use("/api/auth", authRouter(at("/api/auth"), s.auth, s.throttles));
  app.use("/api/auth", sessionsRouter(at("/api/auth"), { sessions: s.sessionList, password: s.password, audit: s.audit }));
  app.use("/api/users", accountRouter(at("/api/users"), s.accountDeletion, s.accountExport));
  app.use("/api/users", usersRouter(at("/api/users"), s.users, s.throttles, s.blocks, s.moderation.operators));
  app.use("/api/blocks", blocksRouter(at("/api/blocks"), s.blocks));
  app.use("/api/users", avatarRouter(at("/api/users"), s.media, s.users, s.throttles.uploadsByUser));
  app.use("/api/uploads", uploadsRouter(at("/api/uploads"), s.media, s.throttles.uploadsByUser));
  app.use("/api/partners", partnersRouter(at("/api/partners"), s.couples));
  app.use("/api/chats", chatsRouter(at("/api/chats"), s.couples, messageDeps("couple")));
  app.use("/api/groups", groupsRouter(at("/api/groups"), s.groups));
  app.use("/api/groups", groupModerationRouter(at("/api/groups"), { moderation: s.moderation.groups, reports: s.moderation.reports }));
  app.use("/api/reports", reportsRouter(at("/api/reports"), s.moderation.reports));
  app.use("/api/admin", adminRouter(at("/api/admin"), { reports: s.moderation.reports, suspensions: s.moderation.suspensions }));
  app.use("/api/messages", groupMessagesRouter(at("/api/messages"), messageDeps("group")));
  app.use("/api/dm", dmRouter(at("/api/dm"), s.dms, messageDeps("dm")));
  app.use("/api/unread", unreadRouter(at("/api/unread"), s.readStates));
  app.use("/api/profiles", profilesRouter(at("/api/profiles"), s.profiles));
  app.use("/api/stickers", stickersRouter(at("/api/stickers"), s.stickers));
  app.use("/api/push", pushRouter(at("/api/push"), s.push, { allowPrivateEndpoints: config.push.allowPrivateEndpoints, maxPerUser: config.push.maxSubscriptionsPerUser }));
  app.use("/api/events", eventsRouter(at("/api/events"), { eventLog: s.eventLog, conversations: s.storage.conversations, metrics, maxPage }));
  app.use(stickerImages());
}
