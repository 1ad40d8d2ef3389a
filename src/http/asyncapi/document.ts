// The AsyncAPI 3.0 document of the realtime API (served at /api/asyncapi.json, rendered at
// /api/docs/realtime). Built once at start from the contract tables (client-events.ts,
// server-events.ts) and the zod schemas they hold; written from a client's side.
import { buildChannels } from "./channels.ts";
import { buildComponents } from "./messages.ts";
import { buildOperations } from "./operations.ts";

const DESCRIPTION = [
  "The Socket.IO events of the chat server, from a client's side: **send** operations are events a client emits, each with its ack as the reply; **receive** operations are events the server sends.",
  "",
  "- **Connecting**: one Socket.IO connection (`/socket.io`, WebSocket or HTTP long-polling) carries the namespaces `/couples`, `/groups` and `/dm`, each authenticated at its handshake with `auth: { token }`, the access token of `POST /api/auth/login`.",
  "- **Acks**: every event emitted with a callback gets exactly one answer: `{ok: true, …result}` or `{ok: false, error: {code, message}}` (the REST error codes).",
  "- **Durable events** carry `meta: {event_seq, epoch}`, their place in the user's event stream. A client that was away recovers what it missed through connection-state recovery or `GET /api/events/sync?since=<event_seq>&epoch=<epoch>` (docs/DELIVERY.md). The `session` event on every connect says where the stream stands.",
  "- The REST API is documented at [/api/docs](/api/docs). The event maps in TypeScript are `src/contract/events.ts`.",
].join("\n");

/** The document's own version, as the OpenAPI document's (src/http/openapi.ts). */
const VERSION = "0.1.0";

export function buildAsyncApiDocument() {
  const { schemas, messages } = buildComponents();
  return {
    asyncapi: "3.0.0",
    info: { title: "Realtime chat server: Socket.IO events", version: VERSION, description: DESCRIPTION },
    defaultContentType: "application/json",
    servers: {
      chat: {
        host: "{host}",
        protocol: "ws",
        pathname: "/socket.io",
        title: "This server",
        description: "Socket.IO 4 (Engine.IO protocol 4) on the same origin as the REST API; `wss` behind TLS.",
        variables: { host: { default: "localhost:3000", description: "The server's host and port" } },
        security: [{ $ref: "#/components/securitySchemes/accessToken" }],
      },
    },
    channels: buildChannels(),
    operations: buildOperations(),
    components: {
      schemas,
      messages,
      securitySchemes: {
        accessToken: {
          type: "http",
          scheme: "bearer",
          bearerFormat: "JWT",
          description:
            "The access token (POST /api/auth/login, POST /api/auth/refresh) in the Socket.IO handshake: `io(url, { auth: { token } })`. " +
            "Also taken from an `Authorization: Bearer` header or a `?token=` query. Before it expires, a connected socket sends a fresh one with the `auth` event.",
        },
      },
    },
  };
}
