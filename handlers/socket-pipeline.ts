// The fixed order every client event goes through, declared once per event with `on()`:
//
//   (authenticated at the handshake, socket-auth.ts) → rate limit → validate (zod) →
//   the operation's steps: conversation under the namespace's policy, actor, tracked in
//   flight (src/pipeline/operation.ts) → service → ack
//
// `on()` is typed by the contract (src/contract/events.ts): the schema must accept exactly
// the payload the event map declares, and the handler must return the event's ack, so a
// drift between the two is a compile error. Errors become `{ok: false, error: {code,
// message}}`; unknown ones are logged and sanitized. A socket that keeps flooding after
// being told is disconnected.
//
// Every event sent with a callback gets exactly one answer, whatever else came with it:
// Socket.IO passes the ack as the last argument, after however many the client sent, so
// the ack is the last argument when it is a function, and more than one payload is a
// validation error. HEARTBEAT and events the namespace does not have go through the same
// rate limit and get an answer too.
//
// Memory: an idle socket should cost little more than Socket.IO's own. So the listeners
// are built once per namespace, not per socket: each reads its socket from `this`
// (Socket.IO calls listeners on the socket), and the rate-limit state is a small record
// made at the socket's first event.
import { z } from "zod";
import type { AckResult, ClientEventName, ClientPayload } from "../src/contract/events.ts";
import type { NamespaceName } from "../src/events/notifier.ts";
import type { ConversationPolicy } from "../src/messaging/conversation-policy.ts";
import type { PerformOperation, StepResults, Steps } from "../src/pipeline/operation.ts";
import { AppError, toErrorBody } from "../src/shared/errors.ts";
import { parse } from "../src/shared/validate.ts";
import type { RealtimeContext } from "../src/app.ts";
import type { ChatSocket } from "./socket-auth.ts";

type AckFn = (res: unknown) => void;

/** What a handler returns: the event's ack; nothing when the ack carries nothing but `ok`. */
type AckOf<E extends ClientEventName> = object extends AckResult<E> ? AckResult<E> | void : AckResult<E>;

/** Where an event runs: the namespace's conversation policy and the operation runner. */
interface EventEnv {
  policy: ConversationPolicy | undefined;
  perform: PerformOperation;
}

/** One client event, declared with `on()`: validates its payload and runs its operation. */
export interface EventSpec {
  event: ClientEventName;
  handle(payload: unknown, socket: ChatSocket, env: EventEnv): Promise<object | void>;
}

/**
 * Declares a client event: its payload schema (whose input type must be the contract's
 * payload), the steps it needs (`access` resolves the payload's `chat_id`), and the handler.
 */
export function on<E extends ClientEventName, S extends z.ZodType<unknown, ClientPayload<E>>, St extends Steps = Steps>(
  event: E,
  schema: S,
  steps: St,
  run: (input: z.output<S>, ctx: StepResults<St> & { socket: ChatSocket }) => Promise<AckOf<E>>,
): EventSpec {
  return {
    event,
    // Not async: a payload refused by the schema is answered in the same turn, before the
    // socket's next packet is handled (a flood is answered in order, up to its cut-off).
    handle(payload, socket, env) {
      const input = parse(schema, payload, "payload");
      const chatId = (input as { chat_id?: unknown } | null)?.chat_id;
      if (steps.access && (typeof chatId !== "string" || !env.policy)) throw new Error(`${event}: declares a conversation but names none`);
      const target = steps.access ? { policy: env.policy!, chatId: chatId as string } : undefined;
      const caller = { userId: socket.data.userId, sessionId: socket.data.sessionId };
      return env.perform(steps, caller, target, (ctx) => run(input, { ...ctx, socket }));
    },
  };
}

/** The seed's keep-alive, on every namespace: answered with the server's time. */
const HEARTBEAT = on("HEARTBEAT", z.unknown(), {}, async () => ({ ts: new Date().toISOString() }));

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

// A token bucket per socket: `rate` events per second with bursts up to `burst`. Not
// rate-limiter-flexible (which the cross-node throttles use, src/auth/rate-limiter.ts):
// its memory limiter keeps a string-keyed map with an expiry timer per key, while this
// is three numbers in a WeakMap entry that dies with its socket; nothing here needs to
// be shared between nodes, since a socket lives on one.
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

/** Builds a namespace's listeners once; `attach` gives them to each new socket. */
export function createSocketPipeline(ns: NamespaceName, events: EventSpec[], env: EventEnv, ctx: RealtimeContext) {
  const { limits } = ctx.config;
  // Made at a socket's first event, full: the same as a bucket made full at connect,
  // which would have refilled to `burst` by then anyway. Idle sockets never get one.
  const buckets = new WeakMap<ChatSocket, Bucket>();
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

  function listener(spec: EventSpec) {
    const eventLabels = { namespace: ns, event: spec.event };
    const latencyLabels = { event: spec.event };
    return async function guarded(this: ChatSocket, ...args: unknown[]) {
      ctx.metrics.eventsIn.inc(eventLabels);
      const started = process.hrtime.bigint();
      const reply = takeAck(args);
      try {
        admit(this);
        if (args.length > 1) throw new AppError("validation_error", `payload: expected one payload argument before the ack, got ${args.length}`);
        const result = await spec.handle(args.length === 0 ? {} : args[0], this, env);
        reply({ ok: true, ...(result ?? {}) });
      } catch (err) {
        answerError(reply, err, this, spec.event);
      } finally {
        ctx.metrics.ackLatency.observe(latencyLabels, Number(process.hrtime.bigint() - started) / 1e9);
      }
    };
  }

  // Socket.IO calls "any" listeners for every event, before the event's own listeners; this
  // one answers only the events nobody else listens to (a /couples event sent to /dm, a typo).
  function unknownEvent(this: ChatSocket, event: string, ...args: unknown[]) {
    if (this.listenerCount(event as ClientEventName) > 0) return;
    ctx.metrics.eventsIn.inc(unknownLabels);
    const reply = takeAck(args);
    try {
      admit(this);
      throw new AppError("not_found", `Unknown event "${String(event).slice(0, 64)}" on /${ns}`);
    } catch (err) {
      answerError(reply, err, this, "(unknown)");
    }
  }

  const listeners = [HEARTBEAT, ...events].map((spec) => [spec.event, listener(spec)] as const);
  return {
    /** Listens for the namespace's events (and HEARTBEAT) on this socket; the listeners are shared by all its sockets. */
    attach(socket: ChatSocket) {
      for (const [event, fn] of listeners) socket.on(event, fn);
      // One shared function; the socket keeps a one-element array of "any" listeners.
      socket.onAny(unknownEvent);
    },
  };
}
