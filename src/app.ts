// createApp(deps): one HTTP server carrying Express and Socket.IO. Every feature plugs in
// here with plain factories; nothing reaches for globals, so tests can start several.
// The Socket.IO event handlers live in handlers/ and come in as `deps.realtime`: src/
// never imports handlers/ (main.ts composes them), so the transport depends on the
// domain and never the other way round.
import { createServer, type Server as HttpServer } from "node:http";
import cors from "cors";
import express from "express";
import helmet from "helmet";
import { pinoHttp } from "pino-http";
import { Server } from "socket.io";
import swaggerUi from "swagger-ui-express";
import type { ClientEvents, ServerEvents, SocketData } from "./contract/events.ts";
import type { Config } from "./config.ts";
import type { Logger } from "./infra/logger.ts";
import { pingRedis, type Redis } from "./infra/redis.ts";
import { chooseAdapter } from "./infra/socket-adapter.ts";
import { startSlowConsumerGuard } from "./infra/slow-consumers.ts";
import { createMetrics, type Metrics } from "./infra/metrics.ts";
import { createBackgroundJobs } from "./infra/background-jobs.ts";
import { socketIoClusterBus } from "./infra/cluster-bus.ts";
import { socketFanout } from "./events/socket-fanout.ts";
import { NAMESPACES } from "./events/notifier.ts";
import { listenOn, mainPortMetrics, metricsServer } from "./http/metrics-access.ts";
import { buildDocument, createRegistry } from "./http/openapi.ts";
import { errorHandler, notFoundHandler } from "./http/error-handler.ts";
import { healthRouter, type ReadinessProbe } from "./http/health.router.ts";
import { createServices, type Services } from "./services.ts";
import { mountApiRouters } from "./http/api.ts";
import { realtimeDocsRouter } from "./http/asyncapi/realtime-docs.router.ts";
import { adminUiPage } from "./http/admin-ui-page.ts";
import { instrumentAdminUi } from "./infra/admin-ui.ts";
import { clientSdk, importMapHash } from "./http/client-sdk.ts";
import { mountWebClient, WEB_DIR } from "./http/web-client.ts";
import type { JwtSecrets } from "./auth/secrets.ts";
import type { PasswordHasher } from "./auth/password-hasher.ts";
import type { Storage } from "./storage/storage.ts";

export type ChatServer = Server<ClientEvents, ServerEvents, Record<string, never>, SocketData>;

/** What the realtime transport gets to register its namespaces and handlers with. */
export interface RealtimeContext {
  log: Logger;
  metrics: Metrics;
  config: Config;
}

export interface AppDeps {
  config: Config;
  log: Logger;
  storage: Storage;
  redis?: Redis | undefined;
  secrets: JwtSecrets;
  hasher?: PasswordHasher;
  /** Registers the Socket.IO namespaces and their event handlers (handlers/index.ts). */
  realtime: (io: ChatServer, services: Services, ctx: RealtimeContext) => void;
}

export interface App {
  http: HttpServer;
  io: ChatServer;
  services: Services;
  adapterName: string;
  listen(port: number, host: string): Promise<string>;
  /** Graceful stop: refuse new work, let sockets go with a recoverable reason, finish in-flight writes. */
  close(): Promise<void>;
}

export async function createApp(deps: AppDeps): Promise<App> {
  const { config, log } = deps;
  const app = express();
  const http = createServer(app);
  let draining = false;
  const metrics = createMetrics(config.metricsEnabled);

  const adapter = chooseAdapter(config, deps.redis, log, () => metrics.adapterErrors.inc());
  const io: ChatServer = new Server(http, {
    adapter: adapter.adapter,
    maxHttpBufferSize: config.limits.socketMaxPayloadBytes,
    cors: { origin: config.http.corsOrigin, credentials: config.http.corsOrigin !== "*" },
    connectionStateRecovery: adapter.supportsRecovery
      ? { maxDisconnectionDuration: config.delivery.maxDisconnectionMs, skipMiddlewares: false }
      : undefined,
  });

  // Every namespace now, synchronously: each one's adapter subscribes on a Redis connection
  // of the adapter's own, and a SUBSCRIBE that lands while that connection is between
  // connect and ready puts it in subscriber mode before ioredis's ready check (which then
  // fails). Made here, the subscriptions are queued until the connection is ready.
  for (const ns of NAMESPACES) io.of(`/${ns}`);
  // The Admin UI's /admin namespace, made at the same moment for the same reason (off unless configured).
  if (config.adminUi) instrumentAdminUi(io, config.adminUi, deps.redis);

  const stopSlowConsumerGuard = startSlowConsumerGuard(io, {
    maxPackets: config.delivery.maxBufferedPackets,
    maxBytes: config.delivery.maxBufferedBytes,
    onCut: () => metrics.slowClientsDisconnected.inc(),
  });
  const fanout = socketFanout(io);
  const services = createServices({
    ...deps,
    fanout,
    // Any namespace's adapter carries the messages between nodes (infra/cluster-bus.ts).
    clusterBus: socketIoClusterBus(io.of("/couples")),
    onEmit: (ns, event) => metrics.eventsOut.inc({ namespace: ns, event }),
    pushMetrics: metrics.push,
  });
  metrics.trackInflight(() => services.inflight.count);
  metrics.trackPushQueue(() => services.push.depth());
  await services.eventLog.epoch();
  if (config.seedStickers) await services.stickers.seedDefaults();
  const jobs = createBackgroundJobs(log);
  jobs.every(3600_000, "prune expired sessions", () => services.auth.pruneExpired());
  jobs.every(3600_000, "prune the event log", () => services.eventLog.prune());
  // Every node prunes; a delete by age is idempotent, so they need not agree on who does.
  jobs.every(3600_000, "prune the audit log", () => services.audit.prune());
  // A deletion whose node died in a cluster is finished by whichever node looks next.
  jobs.every(600_000, "resume account deletions", () => services.accountDeletion.resumeAll());
  jobs.every(30_000, "refresh presence", () => services.presence.refresh(fanout.localSockets()));

  app.disable("x-powered-by");
  app.set("trust proxy", config.http.trustProxy);
  app.use(
    pinoHttp({
      logger: log,
      autoLogging: { ignore: (req) => req.url === "/healthz" || req.url === "/metrics" || req.url?.startsWith("/socket.io/") === true },
      // One line per request with what an operator needs; headers would leak tokens and noise.
      serializers: {
        req: (req: { id: unknown; method: string; url: string }) => ({ id: req.id, method: req.method, url: req.url.replace(/token=[^&]+/, "token=[redacted]") }),
        res: (res: { statusCode: number }) => ({ status: res.statusCode }),
      },
    }),
  );
  app.use(
    helmet({
      contentSecurityPolicy: {
        directives: {
          "connect-src": ["'self'", "ws:", "wss:"],
          // The web client's inline import map (it names the SDK's socket.io-client), by hash.
          "script-src": ["'self'", ...[importMapHash(`${WEB_DIR}index.html`)].filter((h) => h !== null)],
          // Media may live on Cloudinary in cluster mode.
          "img-src": ["'self'", "data:", "https://res.cloudinary.com"],
          "media-src": ["'self'", "https://res.cloudinary.com"],
          // TLS is the proxy's business; forcing https breaks plain-http LAN and dev setups.
          "upgrade-insecure-requests": null,
        },
      },
    }),
  );
  // After helmet, so the docs get the same headers as every page. Swagger UI's page is
  // served from here (external scripts, an inline <style>, data: images, fetches of
  // /api/openapi.json): the CSP above allows exactly that. No validator badge: it would
  // send the document's URL to validator.swagger.io.
  // The realtime (AsyncAPI) document and its page under /api/docs, ahead of Swagger UI's catch-all.
  app.use(realtimeDocsRouter());
  app.use("/api/docs", swaggerUi.serve, swaggerUi.setup(undefined, { swaggerOptions: { url: "/api/openapi.json", validatorUrl: null } }));
  // Bearer tokens, not cookies: no credentials. A preflight is answered here (204).
  app.use(cors({ origin: config.http.corsOrigin, allowedHeaders: ["Authorization", "Content-Type"], methods: ["GET", "POST", "PUT", "DELETE", "OPTIONS"] }));
  app.use(express.json({ limit: config.http.bodyLimitBytes }));
  app.use(express.urlencoded({ extended: false, limit: config.http.bodyLimitBytes }));

  const probes: ReadinessProbe[] = [{ name: "database", check: () => deps.storage.ping().then(() => true, () => false) }];
  if (deps.redis) probes.push({ name: "redis", check: () => pingRedis(deps.redis!) });
  app.use(healthRouter(probes, () => draining));
  // /metrics: on its own listener (METRICS_PORT), behind a token (METRICS_TOKEN), or else to loopback clients only.
  const metricsAccess = { token: config.metricsToken, port: config.metricsPort };
  const mainMetrics = config.metricsEnabled ? mainPortMetrics(metricsAccess, metrics.handler) : undefined;
  if (mainMetrics) app.get("/metrics", ...mainMetrics);
  const metricsListener = config.metricsEnabled && config.metricsPort ? metricsServer(metricsAccess, metrics.handler, log) : undefined;

  const registry = createRegistry();
  mountApiRouters(app, { registry, tokens: services.tokens, sessions: services.sessionCheck, perform: services.perform }, services, config, metrics);
  const openapi = buildDocument(registry);
  app.get("/api/openapi.json", (_req, res) => {
    res.json(openapi);
  });
  services.media.mountStatic?.(app);
  app.use("/sdk", clientSdk());
  if (config.adminUi) app.use(adminUiPage());
  mountWebClient(app);
  app.use(notFoundHandler);
  app.use(errorHandler(log));

  deps.realtime(io, services, { log, metrics, config });

  return {
    http,
    io,
    services,
    adapterName: adapter.name,
    async listen(port, host) {
      if (metricsListener) log.info(`Metrics on ${await listenOn(metricsListener, config.metricsPort!, host)}/metrics`);
      return new Promise((resolve, reject) => {
        http.once("error", reject);
        // A deep accept queue: when a node dies its clients all reconnect to the others
        // within a second or two; with Node's default of 511 the kernel drops the excess
        // SYNs and the load balancer's connects time out (bench/storm.ts).
        http.listen({ port, host, backlog: config.http.listenBacklog }, () => {
          const addr = http.address();
          const actualPort = typeof addr === "object" && addr ? addr.port : port;
          const shown = host === "0.0.0.0" || host === "::" ? "localhost" : host;
          // Push workers once the node serves: before, its jobs wait in the queue (or, in a cluster, go to the other nodes).
          services.push.start();
          // Deletions a killed process left unfinished (src/account): finished in the background.
          void services.accountDeletion.resumeAll().catch((err: unknown) => log.error({ err }, "unfinished account deletions not resumed"));
          resolve(`http://${shown}:${actualPort}`);
        });
      });
    },
    async close() {
      draining = true;
      jobs.stop();
      // The push workers take no new job from now on and finish, within PUSH_SHUTDOWN_GRACE_MS,
      // what they hold, while the rest drains; what is left goes back to the queue.
      const pushStopped = services.push.stop();
      services.typing.close();
      stopSlowConsumerGuard();
      // Stop accepting connections; existing sockets are told to reconnect elsewhere.
      http.close();
      metricsListener?.close();
      await services.inflight.idle(config.delivery.shutdownTimeoutMs);
      // io.close() ends sockets with the "server shutting down" reason, which is recoverable:
      // their sessions are persisted, so clients recover on another node.
      await new Promise<void>((resolve) => io.close(() => resolve()));
      // Disconnect handlers (presence) ran just now; let them finish before Redis goes.
      await services.inflight.idle(config.delivery.shutdownTimeoutMs);
      await pushStopped; // before Redis goes: jobs in hand are handed back through it
      await adapter.close();
      http.closeAllConnections();
      metricsListener?.closeAllConnections();
    },
  };
}
