// The fixed order every client event goes through: rate limit → validate → service → ack.
// Errors become `{ok: false, error: {code, message}}`; unknown ones are logged and
// sanitized. A socket that keeps flooding after being told is disconnected.
import type { z } from "zod";
import { AppError, toErrorBody } from "../src/shared/errors.ts";
import { parse } from "../src/shared/validate.ts";
import type { HandlerContext } from "./index.ts";
import type { ChatSocket } from "./socket-auth.ts";

type AckFn = (res: unknown) => void;

/** A token bucket per socket: `rate` events per second with bursts up to `burst`. */
function bucket(rate: number, burst: number) {
  let tokens = burst;
  let last = Date.now();
  return () => {
    const now = Date.now();
    tokens = Math.min(burst, tokens + ((now - last) / 1000) * rate);
    last = now;
    if (tokens < 1) return false;
    tokens -= 1;
    return true;
  };
}

export function createGuard(socket: ChatSocket, ctx: HandlerContext) {
  const allow = bucket(ctx.config.limits.socketEventsPerSec, ctx.config.limits.socketEventBurst);
  let strikes = 0;

  return function handle<S extends z.ZodType, R>(event: string, schema: S, fn: (input: z.output<S>) => Promise<R>) {
    socket.on(event as never, (async (payload: unknown, ack?: unknown) => {
      const started = process.hrtime.bigint();
      const reply: AckFn = typeof ack === "function" ? (ack as AckFn) : typeof payload === "function" ? (payload as AckFn) : () => {};
      try {
        if (!allow()) {
          if (++strikes > ctx.config.limits.socketEventBurst) {
            socket.emit("error", { code: "rate_limited", message: "Too many events; disconnecting" });
            socket.disconnect(true);
          }
          throw new AppError("rate_limited", `Too many events; at most ${ctx.config.limits.socketEventsPerSec} per second`);
        }
        strikes = 0;
        const input = parse(schema, typeof payload === "function" ? {} : payload, "payload");
        const result = await fn(input);
        reply({ ok: true, ...(result ?? {}) });
      } catch (err) {
        const { body, internal } = toErrorBody(err);
        if (internal) ctx.log.error({ err, event, user: socket.data.userId }, "socket handler failed");
        reply({ ok: false, error: { code: body.code, message: body.message } });
      } finally {
        ctx.metrics.ackLatency.observe({ event }, Number(process.hrtime.bigint() - started) / 1e9);
      }
    }) as never);
  };
}

export type Guard = ReturnType<typeof createGuard>;
