// components.messages and components.schemas: one message per client event, one per ack
// (the reply of that event's operation), one per server event. A message's `name` is the
// Socket.IO event name; its key is prefixed with who sends it (`client.`, `server.`), since
// Socket.IO would allow the same name in both directions.
import type { ClientEventName, ServerEventName } from "../../contract/events.ts";
import { z } from "../../shared/zod.ts";
import { CLIENT_EVENTS } from "./client-events.ts";
import { schemaRef, toComponentSchemas, type JsonSchema } from "./schemas.ts";
import { SERVER_EVENTS } from "./server-events.ts";

export const clientMessageKey = (e: ClientEventName) => `client.${e}`;
export const ackMessageKey = (e: ClientEventName) => `client.${e}.ack`;
export const serverMessageKey = (e: ServerEventName) => `server.${e}`;

const pascal = (event: string) => event.toLowerCase().replace(/(?:^|_)([a-z])/g, (_m, c: string) => c.toUpperCase());

/** The `ok: false` side of every ack (src/shared/errors.ts codes). */
const AckFailure = z.strictObject({
  ok: z.literal(false),
  error: z.strictObject({
    code: z.string().openapi({ description: "Stable, e.g. validation_error, not_found, forbidden, rate_limited, chat_closed, blocked" }),
    message: z.string(),
  }),
});

const clientEvents = Object.entries(CLIENT_EVENTS) as [ClientEventName, (typeof CLIENT_EVENTS)[ClientEventName]][];
const serverEvents = Object.entries(SERVER_EVENTS) as [ServerEventName, (typeof SERVER_EVENTS)[ServerEventName]][];

export function buildComponents() {
  // One component per payload schema: two events validated by the same schema (start_typing
  // and stop_typing) share it, named after both.
  const payloadIds = new Map<z.ZodType, string>();
  for (const [event, doc] of clientEvents) {
    const id = payloadIds.get(doc.payload);
    payloadIds.set(doc.payload, id ? `${id.replace(/Payload$/, "")}Or${pascal(event)}Payload` : `${pascal(event)}Payload`);
  }
  const inputs = new Map([...payloadIds].map(([schema, id]) => [id, schema]));

  const outputs = new Map<string, z.ZodType>([["AckFailure", AckFailure]]);
  for (const [event, doc] of clientEvents) outputs.set(`${pascal(event)}Ack`, z.union([doc.result.extend({ ok: z.literal(true) }), AckFailure]));
  for (const [event, doc] of serverEvents) outputs.set(`${pascal(event)}Event`, doc.payload);

  const schemas: Record<string, JsonSchema> = { ...toComponentSchemas(inputs, "input"), ...toComponentSchemas(outputs, "output") };

  const messages: Record<string, JsonSchema> = {};
  for (const [event, doc] of clientEvents) {
    messages[clientMessageKey(event)] = { name: event, title: event, summary: doc.summary, payload: schemaRef(payloadIds.get(doc.payload)!) };
    messages[ackMessageKey(event)] = {
      name: `${event} (ack)`,
      title: `${event} ack`,
      summary: `The answer to ${event}, passed to the emit's callback: {ok: true, …} or {ok: false, error}`,
      payload: schemaRef(`${pascal(event)}Ack`),
    };
  }
  for (const [event, doc] of serverEvents) {
    messages[serverMessageKey(event)] = {
      name: event,
      title: event,
      summary: doc.summary,
      description: doc.durable
        ? "Durable: written to the user's event log first; carries `meta` {event_seq, epoch} (absent only when it was not logged, as an incognito message). Missed ones come back through connection-state recovery or GET /api/events/sync."
        : "Ephemeral: sent to whoever is connected now, never logged, no `meta`.",
      payload: schemaRef(`${pascal(event)}Event`),
      tags: [{ name: doc.durable ? "durable" : "ephemeral" }],
    };
  }
  return { schemas, messages };
}
