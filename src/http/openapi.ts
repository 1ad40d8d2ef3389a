// The OpenAPI 3 document, generated from the same zod schemas that validate requests,
// served at /api/openapi.json with an interactive page at /api/docs.
import { OpenAPIRegistry, OpenApiGeneratorV3 } from "@asteasolutions/zod-to-openapi";

// Error bodies are per status (error-responses.ts): each names the codes of that status.
export function createRegistry(): OpenAPIRegistry {
  const registry = new OpenAPIRegistry();
  registry.registerComponent("securitySchemes", "bearerAuth", { type: "http", scheme: "bearer", bearerFormat: "JWT", description: "The access token" });
  registry.registerComponent("securitySchemes", "refreshToken", { type: "http", scheme: "bearer", bearerFormat: "JWT", description: "The refresh token (POST /api/auth/refresh only)" });
  return registry;
}

export function buildDocument(registry: OpenAPIRegistry) {
  return new OpenApiGeneratorV3(registry.definitions).generateDocument({
    openapi: "3.0.3",
    info: {
      title: "Realtime chat server",
      version: "0.1.0",
      description:
        "REST surface of the chat server (couples, groups, DMs). Realtime events travel over Socket.IO namespaces " +
        "/couples, /groups and /dm; their contract is src/contract/events.ts, documented as AsyncAPI at [/api/docs/realtime](/api/docs/realtime) (/api/asyncapi.json). All fields are snake_case. " +
        "Errors are `{error: {code, message, details?}}`; each response lists the codes it can carry. " +
        "Query strings are strict: an unknown key is a 400 naming it. A method a documented path does not take is a 405 with `Allow`.",
    },
    servers: [{ url: "/" }],
  });
}
