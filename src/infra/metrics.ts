// Prometheus metrics. One registry per app instance (tests start several in one process).
import type { RequestHandler } from "express";
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

export function createMetrics(enabled: boolean) {
  const registry = new Registry();
  if (enabled) collectDefaultMetrics({ register: registry });
  const registers = [registry];
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
    handler: (async (_req, res) => {
      res.setHeader("Content-Type", registry.contentType);
      res.end(await registry.metrics());
    }) as RequestHandler,
  };
  return metrics;
}

export type Metrics = ReturnType<typeof createMetrics>;
