// The fixed order every client event goes through: rate limit → validate → service → ack.
// Errors become `{ok: false, error: {code, message}}`; unknown ones are logged and
// sanitized. A socket that keeps flooding after being told is disconnected.
//
// Every event sent with a callback gets exactly one answer, whatever else came with it:
// Socket.IO passes the ack as the last argument, after however many the client sent, so
// the ack is the last argument when it is a function, and more than one payload is a
// validation error. HEARTBEAT and events the namespace does not have go through the same
// rate limit and get an answer too.
//
// Memory: an idle socket should cost little more than Socket.IO's own. So the listeners
// are built once per namespace and event table, not per socket: each reads its socket
// from `this` (Socket.IO calls listeners on the socket), and the rate-limit state is a
// small record made at the socket's first event.
import { z } from "zod";
import type { NamespaceName } from "../src/events/notifier.ts";
import { AppError, toErrorBody } from "../src/shared/errors.ts";
import { parse } from "../src/shared/validate.ts";
import type { HandlerContext } from "./index.ts";
import type { ChatSocket } from "./socket-auth.ts";

type AckFn = (res: unknown) => void;
type Listener = (this: ChatSocket, ...args: unknown[]) => Promise<void>;

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

/** The seed's keep-alive, on every namespace: answered with the server's time. */
const HEARTBEAT: EventSpec = event(z.unknown(), async () => ({ ts: new Date().toISOString() }));

/** Takes the ack off the arguments (the last one, when it is a function) and answers it at most once. */
function takeAck(args: unknown[]): AckFn {
  const ack = typeof args.at(-1) === "function" ? (args.pop() as AckFn) : undefined;
  let answered = false;
  return (res) => {
    if (answered || !ack) return;
    answered = true;
    ack(res);
  };
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
  const unknownLabels = { namespace: ns, event: "(unknown)" };

  /** Throws rate_limited once the socket's bucket is empty; disconnects a socket that keeps on. */
  function admit(socket: ChatSocket) {
    let bucket = buckets.get(socket);
    if (!bucket) buckets.set(socket, (bucket = { tokens: limits.socketEventBurst, last: Date.now(), strikes: 0 }));
    if (!take(bucket, limits.socketEventsPerSec, limits.socketEventBurst)) {
      if (++bucket.strikes > limits.socketEventBurst) {
        socket.emit("error", { code: "rate_limited", message: "Too many events; disconnecting" });
        socket.disconnect(true);
      }
      throw new AppError("rate_limited", `Too many events; at most ${limits.socketEventsPerSec} per second`);
    }
    bucket.strikes = 0;
  }

  function answerError(reply: AckFn, err: unknown, socket: ChatSocket, event: string) {
    const { body, internal } = toErrorBody(err);
    if (internal) ctx.log.error({ err, event, user: socket.data.userId }, "socket handler failed");
    reply({ ok: false, error: { code: body.code, message: body.message } });
  }

  function listener(event: string, spec: EventSpec): Listener {
    const eventLabels = { namespace: ns, event };
    const latencyLabels = { event };
    return async function guarded(this: ChatSocket, ...args: unknown[]) {
      ctx.metrics.eventsIn.inc(eventLabels);
      const started = process.hrtime.bigint();
      const reply = takeAck(args);
      try {
        admit(this);
        if (args.length > 1) throw new AppError("validation_error", `payload: expected one payload argument before the ack, got ${args.length}`);
        const input = parse(spec.schema, args.length === 0 ? {} : args[0], "payload");
        const result = await spec.run(input, this);
        reply({ ok: true, ...(result ?? {}) });
      } catch (err) {
        answerError(reply, err, this, event);
      } finally {
        ctx.metrics.ackLatency.observe(latencyLabels, Number(process.hrtime.bigint() - started) / 1e9);
      }
    };
  }

  // Socket.IO calls "any" listeners for every event, before the event's own listeners; this
  // one answers only the events nobody else listens to (a /couples event sent to /dm, a typo).
  function unknownEvent(this: ChatSocket, event: string, ...args: unknown[]) {
    if (this.listenerCount(event as never) > 0) return;
    ctx.metrics.eventsIn.inc(unknownLabels);
    const reply = takeAck(args);
    try {
      admit(this);
      throw new AppError("not_found", `Unknown event "${String(event).slice(0, 64)}" on /${ns}`);
    } catch (err) {
      answerError(reply, err, this, "(unknown)");
    }
  }

  return {
    /** Listens for the table's events (and HEARTBEAT) on this socket; the listeners are shared by all its sockets. */
    attach(socket: ChatSocket, table: EventTable) {
      let listeners = compiled.get(table);
      if (!listeners) compiled.set(table, (listeners = Object.entries({ HEARTBEAT, ...table }).map(([event, spec]) => [event, listener(event, spec)])));
      for (const [event, fn] of listeners) socket.on(event as never, fn as never);
      // One shared function; the socket keeps a one-element array of "any" listeners.
      socket.onAny(unknownEvent);
    },
  };
}

export type Guard = ReturnType<typeof createGuard>;
