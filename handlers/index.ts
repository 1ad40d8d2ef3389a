// Registers the three namespaces on one Socket.IO server. Each namespace authenticates
// in middleware, then its own module wires the events it supports.
import type { ChatServer } from "../src/app.ts";
import type { Config } from "../src/config.ts";
import type { Logger } from "../src/infra/logger.ts";
import type { Metrics } from "../src/infra/metrics.ts";
import type { Services } from "../src/services.ts";
import { registerCouples } from "./couples.ts";
import { registerDm } from "./dm.ts";
import { registerGroups } from "./groups.ts";
import { socketAuth } from "./socket-auth.ts";
import { onConnect, socketListeners } from "./connection.ts";
import { createGuard } from "./socket-guard.ts";
import { watchTokenExpiry } from "./token-expiry.ts";

export interface HandlerContext {
  log: Logger;
  metrics: Metrics;
  config: Config;
}

export function registerNamespaces(io: ChatServer, services: Services, ctx: HandlerContext) {
  const auth = socketAuth({ tokens: services.tokens, users: services.userFacts, sessions: services.sessionCheck });
  const modules = { couples: registerCouples, groups: registerGroups, dm: registerDm } as const;
  for (const [name, register] of Object.entries(modules)) {
    const ns = name as keyof typeof modules;
    const nsp = io.of(`/${name}`);
    nsp.use(auth);
    // Made once per namespace and shared by its sockets (see socket-guard.ts).
    const guard = createGuard(ns, ctx);
    const listeners = socketListeners(ns, services, ctx);
    nsp.on("connection", (socket) => {
      // Handlers first, synchronously: an event the client sends right after connecting
      // would be dropped if no listener were attached yet.
      register(socket, guard, services, ctx);
      watchTokenExpiry(socket);
      void onConnect(ns, socket, services, ctx, listeners).catch((err) => {
          ctx.log.error({ err, ns: name }, "socket setup failed");
          socket.disconnect(true);
        });
    });
  }
}
