// operations, from a client's side: `send` is an event the client emits, with its ack as the
// operation's reply (Socket.IO correlates the two by the packet's ack id, not a field);
// `receive` is an event the server sends. One operation per event and namespace.
import type { ClientEventName, ServerEventName } from "../../contract/events.ts";
import { NAMESPACES } from "../../events/notifier.ts";
import { eventsOn } from "./channels.ts";
import { CLIENT_EVENTS } from "./client-events.ts";
import { ackMessageKey, clientMessageKey, serverMessageKey } from "./messages.ts";
import { SERVER_EVENTS } from "./server-events.ts";

export const sendOperationId = (ns: string, e: ClientEventName) => `${ns}.send.${e}`;
export const receiveOperationId = (ns: string, e: ServerEventName) => `${ns}.receive.${e}`;

export function buildOperations() {
  const operations: Record<string, unknown> = {};
  for (const ns of NAMESPACES) {
    const channel = { $ref: `#/channels/${ns}` };
    const message = (key: string) => ({ $ref: `#/channels/${ns}/messages/${key}` });
    for (const e of eventsOn<ClientEventName>(CLIENT_EVENTS, ns)) {
      const doc = CLIENT_EVENTS[e];
      operations[sendOperationId(ns, e)] = {
        action: "send",
        channel,
        title: e,
        summary: doc.summary,
        description: `\`socket.emit("${e}", payload, ack)\`. ${doc.ackOptional ? "The ack callback is optional." : "Every emit with a callback gets exactly one answer."}`,
        messages: [message(clientMessageKey(e))],
        reply: { channel, messages: [message(ackMessageKey(e))] },
      };
    }
    for (const e of eventsOn<ServerEventName>(SERVER_EVENTS, ns)) {
      operations[receiveOperationId(ns, e)] = {
        action: "receive",
        channel,
        title: e,
        summary: SERVER_EVENTS[e].summary,
        messages: [message(serverMessageKey(e))],
      };
    }
  }
  return operations;
}
