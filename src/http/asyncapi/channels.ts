// channels: one per Socket.IO namespace, listing the messages that travel on it (the
// events a client may emit there with their acks, and the events the server sends there).
import type { ClientEventName, ServerEventName } from "../../contract/events.ts";
import { NAMESPACES, type NamespaceName } from "../../events/notifier.ts";
import { CLIENT_EVENTS } from "./client-events.ts";
import { ackMessageKey, clientMessageKey, serverMessageKey } from "./messages.ts";
import { SERVER_EVENTS } from "./server-events.ts";

const ABOUT: Record<NamespaceName, string> = {
  couples: "A user and their partner: the couple chat, presence, thinking-of-you, chat modes, partner requests.",
  groups: "Group chats: on connect the socket joins the room of every group the user is in.",
  dm: "Direct messages between two users.",
};

export const eventsOn = <E extends string>(table: Record<E, { namespaces: readonly NamespaceName[] }>, ns: NamespaceName) =>
  (Object.keys(table) as E[]).filter((e) => table[e].namespaces.includes(ns));

const ref = (key: string) => ({ $ref: `#/components/messages/${key}` });

export function buildChannels() {
  return Object.fromEntries(
    NAMESPACES.map((ns) => {
      const messages: Record<string, unknown> = {};
      for (const e of eventsOn<ClientEventName>(CLIENT_EVENTS, ns)) {
        messages[clientMessageKey(e)] = ref(clientMessageKey(e));
        messages[ackMessageKey(e)] = ref(ackMessageKey(e));
      }
      for (const e of eventsOn<ServerEventName>(SERVER_EVENTS, ns)) messages[serverMessageKey(e)] = ref(serverMessageKey(e));
      const channel = {
        address: `/${ns}`,
        title: `/${ns}`,
        description:
          `${ABOUT[ns]} Connect with \`io(origin + "/${ns}", { auth: { token } })\`. ` +
          "A handshake that is refused gets `connect_error` whose `data` is `{code, message}` (unauthorized, account_suspended). " +
          "An event the namespace does not have is answered `{ok: false, error: {code: \"not_found\"}}`.",
        servers: [{ $ref: "#/servers/chat" }],
        messages,
      };
      return [ns, channel];
    }),
  );
}
