// Prometheus metrics. One registry per app instance (tests start several in one process).
import type { RequestHandler } from "express";
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { PushMetrics } from "../push/push-metrics.ts";

export function createMetrics(enabled: boolean) {
  const registry = new Registry();
  if (enabled) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const pushSent = new Counter({ name: "chat_push_sent_total", help: "Pushes a push service took, by sender (webpush, fcm, log)", labelNames: ["sender"], registers });
  const pushFailed = new Counter({ name: "chat_push_failed_total", help: "Pushes given up: rejected (4xx), exhausted (PUSH_MAX_ATTEMPTS), expired (past PUSH_TTL_SEC), error", labelNames: ["sender", "reason"], registers });
  const pushRetried = new Counter({ name: "chat_push_retried_total", help: "Push attempts scheduled again after 429/5xx/timeout/network errors", labelNames: ["sender"], registers });
  const pushPruned = new Counter({ name: "chat_push_subscriptions_pruned_total", help: "Push subscriptions removed: gone (404/410/UNREGISTERED), session_ended, logout, replaced (per-user cap)", labelNames: ["reason"], registers });
  const pushSkipped = new Counter({ name: "chat_push_skipped_total", help: "Recipients with devices who got no push: online, muted, blocked, not_member", labelNames: ["reason"], registers });
  const pushEnqueueFailed = new Counter({ name: "chat_push_enqueue_failed_total", help: "Push jobs that could not be queued (Redis unreachable): lost", registers });
  const push: PushMetrics = {
    sent: (sender) => pushSent.inc({ sender }),
    failed: (sender, reason) => pushFailed.inc({ sender, reason }),
    retried: (sender) => pushRetried.inc({ sender }),
    pruned: (reason, count = 1) => pushPruned.inc({ reason }, count),
    skipped: (reason) => pushSkipped.inc({ reason }),
    enqueueFailed: () => pushEnqueueFailed.inc(),
  };
  const metrics = {
    registry,
    socketsConnected: new Gauge({ name: "chat_sockets_connected", help: "Connected sockets", labelNames: ["namespace"], registers }),
    eventsIn: new Counter({ name: "chat_socket_events_in_total", help: "Client events received", labelNames: ["namespace", "event"], registers }),
    eventsOut: new Counter({ name: "chat_events_out_total", help: "Server events emitted", labelNames: ["namespace", "event"], registers }),
    ackLatency: new Histogram({
      name: "chat_ack_latency_seconds",
      help: "Time from receiving a client event to acking it",
      labelNames: ["event"],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
    reconnects: new Counter({ name: "chat_reconnects_total", help: "Connections by recovery outcome", labelNames: ["namespace", "recovered"], registers }),
    syncRequests: new Counter({ name: "chat_sync_requests_total", help: "GET /api/events/sync calls by outcome", labelNames: ["outcome"], registers }),
    adapterErrors: new Counter({ name: "chat_adapter_errors_total", help: "Socket.IO adapter errors", registers }),
    slowClientsDisconnected: new Counter({ name: "chat_slow_clients_disconnected_total", help: "Sockets cut off for not reading", registers }),
    /** Reports the operations in flight (what a graceful shutdown waits for) at each scrape. */
    trackInflight(count: () => number) {
      new Gauge({ name: "chat_operations_in_flight", help: "Client operations (socket events, REST requests) in progress", registers, collect() { this.set(count()); } });
    },
    /** The push counters, as the push subsystem reports them (src/push/push-metrics.ts). */
    push,
    /** Reports the push queue's depth at each scrape (Redis: the whole cluster's). */
    trackPushQueue(depth: () => Promise<number>) {
      new Gauge({ name: "chat_push_queue_depth", help: "Push jobs waiting, delayed for a retry, or in hand", registers, async collect() { this.set(await depth().catch(() => -1)); } });
    },
    handler: (async (_req, res) => {
      res.setHeader("Content-Type", registry.contentType);
      res.end(await registry.metrics());
    }) as RequestHandler,
  };
  return metrics;
}

export type Metrics = ReturnType<typeof createMetrics>;
