// The fixed order every client event goes through: rate limit → validate → service → ack.
// Errors become `{ok: false, error: {code, message}}`; unknown ones are logged and
// sanitized. A socket that keeps flooding after being told is disconnected.
//
// Memory: an idle socket should cost little more than Socket.IO's own. So the listeners
// are built once per namespace and event table, not per socket: each reads its socket
// from `this` (Socket.IO calls listeners on the socket), and the rate-limit state is a
// small record made at the socket's first event.
import type { z } from "zod";
import type { NamespaceName } from "../src/events/notifier.ts";
import { AppError, toErrorBody } from "../src/shared/errors.ts";
import { parse } from "../src/shared/validate.ts";
import type { HandlerContext } from "./index.ts";
import type { ChatSocket } from "./socket-auth.ts";

type AckFn = (res: unknown) => void;
type Listener = (this: ChatSocket, payload: unknown, ack?: unknown) => Promise<void>;

/** One client event: its payload schema and what it does for the socket that sent it. */
export interface EventSpec {
  schema: z.ZodType;
  run(input: unknown, socket: ChatSocket): Promise<unknown>;
}
export type EventTable = Readonly<Record<string, EventSpec>>;

/** Typed constructor for an EventSpec: `run` gets the schema's output. */
export function event<S extends z.ZodType>(schema: S, run: (input: z.output<S>, socket: ChatSocket) => Promise<unknown>): EventSpec {
  return { schema, run: run as EventSpec["run"] };
}

/** A token bucket per socket: `rate` events per second with bursts up to `burst`. */
interface Bucket {
  tokens: number;
  last: number;
  strikes: number;
}

function take(b: Bucket, rate: number, burst: number): boolean {
  const now = Date.now();
  b.tokens = Math.min(burst, b.tokens + ((now - b.last) / 1000) * rate);
  b.last = now;
  if (b.tokens < 1) return false;
  b.tokens -= 1;
  return true;
}

export function createGuard(ns: NamespaceName, ctx: HandlerContext) {
  const { limits } = ctx.config;
  // Made at a socket's first event, full: the same as a bucket made full at connect,
  // which would have refilled to `burst` by then anyway. Idle sockets never get one.
  const buckets = new WeakMap<ChatSocket, Bucket>();
  const compiled = new WeakMap<EventTable, [string, Listener][]>();

  function listener(event: string, spec: EventSpec): Listener {
    const eventLabels = { namespace: ns, event };
    const latencyLabels = { event };
    return async function guarded(this: ChatSocket, payload: unknown, ack?: unknown) {
      ctx.metrics.eventsIn.inc(eventLabels);
      const started = process.hrtime.bigint();
      const reply: AckFn = typeof ack === "function" ? (ack as AckFn) : typeof payload === "function" ? (payload as AckFn) : () => {};
      try {
        let bucket = buckets.get(this);
        if (!bucket) buckets.set(this, (bucket = { tokens: limits.socketEventBurst, last: Date.now(), strikes: 0 }));
        if (!take(bucket, limits.socketEventsPerSec, limits.socketEventBurst)) {
          if (++bucket.strikes > limits.socketEventBurst) {
            this.emit("error", { code: "rate_limited", message: "Too many events; disconnecting" });
            this.disconnect(true);
          }
          throw new AppError("rate_limited", `Too many events; at most ${limits.socketEventsPerSec} per second`);
        }
        bucket.strikes = 0;
        const input = parse(spec.schema, typeof payload === "function" ? {} : payload, "payload");
        const result = await spec.run(input, this);
        reply({ ok: true, ...(result ?? {}) });
      } catch (err) {
        const { body, internal } = toErrorBody(err);
        if (internal) ctx.log.error({ err, event, user: this.data.userId }, "socket handler failed");
        reply({ ok: false, error: { code: body.code, message: body.message } });
      } finally {
        ctx.metrics.ackLatency.observe(latencyLabels, Number(process.hrtime.bigint() - started) / 1e9);
      }
    };
  }

  return {
    /** Listens for the table's events on this socket; the listeners are shared by all its sockets. */
    attach(socket: ChatSocket, table: EventTable) {
      let listeners = compiled.get(table);
      if (!listeners) compiled.set(table, (listeners = Object.entries(table).map(([event, spec]) => [event, listener(event, spec)])));
      for (const [event, fn] of listeners) socket.on(event as never, fn as never);
    },
  };
}

export type Guard = ReturnType<typeof createGuard>;
