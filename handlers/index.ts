// The realtime transport: registers the three namespaces on one Socket.IO server. Each
// namespace authenticates in middleware (socket-auth.ts), then gets its event table
// (couples.ts, groups.ts, dm.ts) run through the socket pipeline (socket-pipeline.ts)
// under its conversation policy. main.ts passes `registerNamespaces` to createApp.
import type { ChatServer, RealtimeContext } from "../src/app.ts";
import type { ConversationPolicy } from "../src/messaging/conversation-policy.ts";
import type { PerformOperation } from "../src/pipeline/operation.ts";
import type { UserFactsCache } from "../src/users/user-facts.ts";
import type { CoupleService } from "../src/couples/couple.service.ts";
import { connectionLifecycle, type ConnectionDeps } from "./connection.ts";
import { coupleEvents } from "./couples.ts";
import { dmEvents } from "./dm.ts";
import { groupEvents } from "./groups.ts";
import type { MessageEventDeps } from "./message-events.ts";
import { socketAuth } from "./socket-auth.ts";
import { createSocketPipeline } from "./socket-pipeline.ts";

/** What the handlers use of the services: nothing else reaches them. */
export interface RealtimeDeps extends MessageEventDeps, ConnectionDeps {
  couples: CoupleService;
  userFacts: UserFactsCache;
  policies: Record<"couple" | "group" | "dm", ConversationPolicy>;
  perform: PerformOperation;
}

export function registerNamespaces(io: ChatServer, d: RealtimeDeps, ctx: RealtimeContext) {
  const auth = socketAuth({ tokens: d.tokens, users: d.userFacts, sessions: d.sessionCheck });
  const namespaces = [
    { ns: "couples", policy: d.policies.couple, events: coupleEvents(d) },
    { ns: "groups", policy: d.policies.group, events: groupEvents(d) },
    { ns: "dm", policy: d.policies.dm, events: dmEvents(d) },
  ] as const;
  for (const { ns, policy, events } of namespaces) {
    const nsp = io.of(`/${ns}`);
    nsp.use(auth);
    const pipeline = createSocketPipeline(ns, events, { policy, perform: d.perform }, ctx);
    const lifecycle = connectionLifecycle(ns, d, ctx);
    nsp.on("connection", (socket) => {
      // Handlers first, synchronously: an event the client sends right after connecting
      // would be dropped if no listener were attached yet.
      pipeline.attach(socket);
      lifecycle.connected(socket);
    });
  }
}
