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
import { onConnect } from "./connection.ts";
import { createGuard } from "./socket-guard.ts";

export interface HandlerContext {
  log: Logger;
  metrics: Metrics;
  config: Config;
}

export function registerNamespaces(io: ChatServer, services: Services, ctx: HandlerContext) {
  const auth = socketAuth({ tokens: services.tokens, User: services.models.User });
  const modules = { couples: registerCouples, groups: registerGroups, dm: registerDm } as const;
  for (const [name, register] of Object.entries(modules)) {
    const nsp = io.of(`/${name}`);
    nsp.use(auth);
    nsp.on("connection", (socket) => {
      // Handlers first, synchronously: an event the client sends right after connecting
      // would be dropped if no listener were attached yet.
      register(socket, createGuard(socket, ctx), services, ctx);
      void onConnect(name as keyof typeof modules, socket, services, ctx).catch((err) => {
          ctx.log.error({ err, ns: name }, "socket setup failed");
          socket.disconnect(true);
        });
    });
  }
}
