// The AsyncAPI document of the realtime API (/api/asyncapi.json, src/http/asyncapi/): it
// validates, it has every event of the contract on the namespaces where the running server
// takes or sends it, and its page renders in Chromium from this server alone.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { DiagnosticSeverity, Parser } from "@asyncapi/parser";
import type { Browser } from "playwright-core";
import type { ClientEventName, ServerEventName } from "../../src/contract/events.ts";
import { PAYLOADS as DURABLE_PAYLOADS } from "../../src/events/event.schemas.ts";
import { CLIENT_EVENTS as DOCUMENTED_CLIENT } from "../../src/http/asyncapi/client-events.ts";
import { SERVER_EVENTS as DOCUMENTED_SERVER } from "../../src/http/asyncapi/server-events.ts";
import { ackError, assertAck, connectAs, connectClient, connected, nextEvent, requestOk, requestRaw, type ChatClient } from "../support/clients.ts";
import { connectReady } from "../support/conversations.ts";
import { buildUser, dmIdOf } from "../support/factories.ts";
import { startStack, type Stack } from "../support/stack.ts";
import { launchBrowser, openClient } from "../web/browser.ts";

// The contract's events, listed here independently of the generator; typed as records so
// that an event added to the contract must be added here too.
const CLIENT_EVENTS: Record<ClientEventName, true> = {
  send_message: true,
  edit_message: true,
  delete_message: true,
  toggle_reaction: true,
  start_typing: true,
  stop_typing: true,
  mark_read: true,
  ping_thinking_of_you: true,
  change_chat_mode: true,
  HEARTBEAT: true,
  auth: true,
};
const SERVER_EVENTS: Record<ServerEventName, true> = {
  new_message: true,
  message_updated: true,
  message_deleted: true,
  message_reaction_update: true,
  message_ack: true,
  user_presence_update: true,
  typing_indicator: true,
  thinking_of_you_received: true,
  user_profile_update: true,
  chat_mode_changed: true,
  read_receipt: true,
  partner_request: true,
  partner_linked: true,
  partner_unlinked: true,
  group_updated: true,
  group_member_removed: true,
  group_deleted: true,
  group_member_banned: true,
  group_member_unbanned: true,
  group_member_muted: true,
  group_report_filed: true,
  unread_update: true,
  session: true,
  session_ended: true,
  error: true,
};
const NAMESPACES = ["couples", "groups", "dm"] as const;

let stack: Stack;
let doc: any;
let token: string;
before(async () => {
  stack = await startStack();
  const res = await stack.api.get("/api/asyncapi.json");
  assert.equal(res.status, 200);
  doc = res.body;
  token = (await buildUser(stack.api)).token;
});
after(() => stack.stop());

/** Follows a local `$ref` ("#/a/b") through the document. */
const deref = (node: any): any => (node?.$ref ? deref(node.$ref.slice(2).split("/").reduce((n: any, key: string) => n[key], doc)) : node);
/** The Socket.IO event names of the operations with this action on a namespace's channel. */
function eventsOf(ns: string, action: "send" | "receive"): string[] {
  return Object.values(doc.operations as Record<string, any>)
    .filter((op) => op.action === action && deref(op.channel).address === `/${ns}`)
    .map((op) => deref(op.messages[0]).name as string);
}

describe("the AsyncAPI document", () => {
  it("is AsyncAPI 3.0 and validates with @asyncapi/parser without an error", async () => {
    assert.equal(doc.asyncapi, "3.0.0");
    const diagnostics = await new Parser().validate(JSON.stringify(doc));
    const errors = diagnostics.filter((d) => d.severity === DiagnosticSeverity.Error).map((d) => `${d.path.join("/")}: ${d.message}`);
    assert.deepEqual(errors, []);
  });

  it("has one channel per namespace, and every event of the contract as an operation on at least one", () => {
    assert.deepEqual(Object.values(doc.channels).map((c: any) => c.address).sort(), ["/couples", "/dm", "/groups"]);
    const sent = new Set(NAMESPACES.flatMap((ns) => eventsOf(ns, "send")));
    const received = new Set(NAMESPACES.flatMap((ns) => eventsOf(ns, "receive")));
    assert.deepEqual([...sent].sort(), Object.keys(CLIENT_EVENTS).sort());
    assert.deepEqual([...received].sort(), Object.keys(SERVER_EVENTS).sort());
  });

  it("gives every client event its ack as the reply: {ok: true, …} or the error", () => {
    for (const op of Object.values(doc.operations as Record<string, any>).filter((o) => o.action === "send")) {
      const event = deref(op.messages[0]).name;
      assert.equal(op.reply.messages.length, 1, event);
      const ack = deref(deref(op.reply.messages[0]).payload);
      const [success, failure] = ack.anyOf.map(deref);
      assert.deepEqual(success.properties.ok, { type: "boolean", const: true }, event);
      assert.deepEqual(failure.properties.ok, { type: "boolean", const: false }, event);
      assert.deepEqual(failure.properties.error.required, ["code", "message"], event);
    }
  });

  it("marks the durable events, whose payloads carry meta {event_seq, epoch}, and no other", () => {
    for (const event of Object.keys(SERVER_EVENTS)) {
      const message = deref(doc.components.messages[`server.${event}`]);
      const meta = deref(message.payload).properties.meta;
      const durable = event in DURABLE_PAYLOADS;
      assert.equal(message.tags[0].name, durable ? "durable" : "ephemeral", event);
      assert.equal(Boolean(meta), durable, event);
      if (durable) assert.deepEqual(deref(meta.allOf[0]).required, ["event_seq", "epoch"], event);
    }
  });

  it("describes the handshake's auth: a bearer JWT access token, passed as auth: {token}", () => {
    const security = doc.servers.chat.security.map(deref);
    assert.equal(security.length, 1);
    assert.deepEqual({ type: security[0].type, scheme: security[0].scheme, bearerFormat: security[0].bearerFormat }, { type: "http", scheme: "bearer", bearerFormat: "JWT" });
    assert.match(security[0].description, /auth: \{ token \}/);
  });

  it("documents a client event on exactly the namespaces where the running server takes it", async () => {
    for (const ns of NAMESPACES) {
      const socket: ChatClient = await connectAs(stack.url, ns, token);
      try {
        const documented = new Set(eventsOf(ns, "send"));
        for (const event of Object.keys(CLIENT_EVENTS)) {
          // An empty payload: refused by validation (or answered) where the event exists, "Unknown event" where it does not.
          const res = await requestRaw(socket, event, {});
          assertAck(res, `${ns} ${event}`);
          const unknown = !res.ok && ackError(res).code === "not_found" && /^Unknown event/.test(res.error.message);
          assert.equal(!unknown, documented.has(event), `/${ns} ${event}: served ${!unknown}, documented ${documented.has(event)}`);
        }
      } finally {
        socket.disconnect();
      }
    }
  });
});

describe("the schemas it is made from", () => {
  it("describe what the server really sends: live payloads and acks parse with them (strict objects)", async () => {
    const [a, b] = await Promise.all([buildUser(stack.api), buildUser(stack.api)]);
    const sa = connectClient(stack.url, "dm", a.token);
    const session = nextEvent(sa, "session");
    const sb = await connectReady(stack.url, "dm", b.token);
    await connected(sa);
    try {
      const chat_id = dmIdOf(a, b);
      const live = {
        session: session as Promise<unknown>,
        message_ack: nextEvent(sa, "message_ack"),
        new_message: nextEvent(sb, "new_message"),
        unread_update: nextEvent(sb, "unread_update"),
        typing_indicator: nextEvent(sb, "typing_indicator"),
        read_receipt: nextEvent(sa, "read_receipt"),
      } satisfies Partial<Record<ServerEventName, Promise<unknown>>>;
      const sent = await requestOk(sa, "send_message", { chat_id, client_message_id: "asyncapi-1", text: "hello" });
      const acks = {
        send_message: sent,
        start_typing: await requestOk(sa, "start_typing", { chat_id }),
        mark_read: await requestOk(sb, "mark_read", { chat_id, seq: sent.message.seq! }),
        HEARTBEAT: await requestOk(sa, "HEARTBEAT", {}),
      } satisfies Partial<Record<ClientEventName, unknown>>;
      for (const [event, payload] of Object.entries(live)) DOCUMENTED_SERVER[event as ServerEventName].payload.parse(await payload);
      assert.ok((await live.new_message).meta, "new_message carries meta");
      for (const [event, ack] of Object.entries(acks)) {
        const { ok, ...result } = ack;
        assert.equal(ok, true);
        DOCUMENTED_CLIENT[event as ClientEventName].result.parse(result);
      }
    } finally {
      sa.close();
      sb.close();
    }
  });
});

describe("the page at /api/docs/realtime", () => {
  let browser: Browser;
  before(async () => {
    browser = await launchBrowser();
  });
  after(() => browser?.close());

  it("renders the operations in Chromium with nothing loaded from another origin and no CSP violation", async () => {
    const origin = new URL(stack.url).origin;
    const { page, context, problems } = await openClient(browser, stack.url, "about:blank");
    const requested: string[] = [];
    page.on("request", (r) => requested.push(r.url()));
    await page.goto("/api/docs/realtime");
    // innerText: what is shown, not what is in the DOM but hidden (the collapsed sidebar).
    await page.waitForFunction(() => document.body.innerText.includes("dm.receive.error"), undefined, { timeout: 30_000 });
    const shown = await page.evaluate(() => document.body.innerText);
    for (const id of Object.keys(doc.operations)) assert.ok(shown.includes(id), `operation ${id} shown`);
    assert.ok(requested.some((u) => u.endsWith("/api/asyncapi.json")), "the page fetched the document");
    assert.deepEqual(requested.filter((u) => !u.startsWith(`${origin}/`) && !u.startsWith("data:")), []);
    assert.deepEqual(problems, []);
    await context.close();
  });

  it("serves its few assets and nothing else from node_modules, and leaves Swagger UI at /api/docs", async () => {
    for (const path of ["/api/docs/realtime/assets/standalone.js", "/api/docs/realtime/assets/default.min.css", "/api/docs/realtime/assets/render.js"]) {
      assert.equal((await fetch(stack.url + path)).status, 200, path);
    }
    for (const path of ["/api/docs/realtime/assets/package.json", "/api/docs/realtime/assets/..%2Fpackage.json"]) {
      assert.equal((await fetch(stack.url + path)).status, 404, path);
    }
    const swagger = await fetch(`${stack.url}/api/docs/`);
    assert.equal(swagger.status, 200);
    assert.match(await swagger.text(), /swagger-ui/);
  });

  it("relaxes the CSP ('unsafe-eval', for the bundle's schema validator) on that page alone", async () => {
    const policy = async (path: string) => (await fetch(stack.url + path)).headers.get("content-security-policy") ?? "";
    assert.match(await policy("/api/docs/realtime"), /script-src 'self'[^;]* 'unsafe-eval'/);
    for (const path of ["/", "/api/docs/", "/api/asyncapi.json", "/api/docs/realtime/assets/render.js"]) {
      const csp = await policy(path);
      assert.match(csp, /script-src 'self'/, path);
      assert.doesNotMatch(csp, /unsafe-eval/, path);
    }
  });
});
