// The OpenAPI document says what the server answers (finding 11 of issue 12): every status a
// route can answer, with the one error shape; 200 and 201 on idempotent creates; the page cap
// (HISTORY_MAX_PAGE) stated where it applies; strict query strings; the DM id's pattern; no
// response or request body left as an open object. And the server does what the document
// says where it used to differ: unknown query keys, a missing body, an undeclared method.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { buildUser, type TestUser } from "../support/factories.ts";
import { startStack, type Stack } from "../support/stack.ts";

const MAX_PAGE = 10;
let stack: Stack;
let doc: any;
let user: TestUser;
before(async () => {
  stack = await startStack({ env: { HISTORY_MAX_PAGE: String(MAX_PAGE) } });
  doc = (await stack.api.get("/api/openapi.json")).body;
  user = await buildUser(stack.api);
});
after(() => stack.stop());

const METHODS = ["get", "post", "put", "delete", "patch"];
function operations(): { name: string; op: any }[] {
  return Object.entries(doc.paths as Record<string, any>).flatMap(([path, item]) =>
    METHODS.filter((m) => item[m]).map((m) => ({ name: `${m.toUpperCase()} ${path}`, op: item[m] })),
  );
}
const op = (method: string, path: string) => doc.paths[path][method];
const statuses = (o: any) => Object.keys(o.responses).map(Number);
const deref = (s: any): any => (s?.$ref ? doc.components.schemas[s.$ref.split("/").pop()] : s);

describe("the OpenAPI document", () => {
  it("documents, on every operation, the statuses derived from what it declares, with the error shape", () => {
    for (const { name, op: o } of operations()) {
      const codes = statuses(o);
      assert.ok(codes.includes(400) && codes.includes(503), `${name}: 400 and 503`);
      if (o.security?.some((s: any) => s.bearerAuth)) assert.ok(codes.includes(401), `${name}: 401`);
      if (o.parameters?.some((p: any) => p.in === "path")) assert.ok(codes.includes(404), `${name}: 404`);
      if (o.requestBody) assert.ok(codes.includes(413) && codes.includes(415), `${name}: 413, 415`);
      for (const code of codes.filter((c) => c >= 400)) {
        const schema = o.responses[code].content?.["application/json"]?.schema;
        assert.equal(schema?.$ref, `#/components/schemas/Error${code}`, `${name} ${code}`);
      }
      // JSON, or a documented binary body (the account export's tar).
      const body = (c: number) => o.responses[c].content?.["application/json"]?.schema ?? o.responses[c].content?.["application/x-tar"]?.schema;
      for (const code of codes.filter((c) => c < 300 && c !== 204)) assert.ok(body(code), `${name} ${code}: a body schema`);
    }
  });

  it("names, per status, exactly the error codes of that status and what their details carry", () => {
    const codes = (status: number) => deref(deref(doc.components.schemas[`Error${status}`]).properties.error).properties.code.enum;
    assert.deepEqual(codes(400), ["validation_error", "bad_request"]);
    assert.deepEqual(codes(401), ["invalid_credentials", "unauthorized", "token_expired", "token_revoked"]);
    assert.deepEqual(codes(410), ["resync_required"]);
    assert.deepEqual(codes(429), ["rate_limited"]);
    assert.deepEqual(codes(503), ["service_unavailable", "database_unavailable"]);
    const details429 = doc.components.schemas.Error429.properties.error.properties.details;
    assert.deepEqual(details429.required, ["retry_after_ms"]);
    assert.ok(op("get", "/api/users/lookup").responses[429].headers["Retry-After"].required);
  });

  it("documents the statuses routes add: 401/429 on auth, 403, 409, 410, and 200 beside 201 on idempotent creates", () => {
    assert.ok(statuses(op("post", "/api/auth/login")).includes(401));
    assert.ok(statuses(op("post", "/api/auth/login")).includes(429));
    assert.ok(statuses(op("post", "/api/auth/register")).includes(429));
    assert.ok(statuses(op("post", "/api/auth/refresh")).includes(401));
    assert.ok(statuses(op("get", "/api/users/lookup")).includes(429));
    assert.ok(statuses(op("get", "/api/events/sync")).includes(410));
    assert.ok(statuses(op("post", "/api/chats")).includes(403));
    assert.ok(!statuses(op("get", "/api/chats/{id}/messages/latest")).includes(403), "outsiders of a couple chat get 404");
    for (const path of ["/api/chats/{id}/messages", "/api/messages/{groupId}", "/api/dm/{dm_id}/message", "/api/groups"]) {
      const codes = statuses(op("post", path));
      assert.ok(codes.includes(200) && codes.includes(201), `${path}: 200 and 201`);
    }
    assert.ok(statuses(op("post", "/api/dm/{dm_id}/message")).includes(409));
    assert.ok(statuses(op("put", "/api/messages/{groupId}/{messageId}")).includes(409));
  });

  it("states the page cap: limit and count up to 1000 asked, at most HISTORY_MAX_PAGE returned", () => {
    const param = (o: any, name: string) => o.parameters.find((p: any) => p.name === name);
    for (const [o, name] of [
      [op("get", "/api/dm/{dm_id}/history"), "limit"],
      [op("get", "/api/messages/{groupId}/latest"), "count"],
      [op("get", "/api/events/sync"), "limit"],
    ] as const) {
      const p = param(o, name);
      assert.equal(p.schema.maximum, 1000);
      assert.match(p.description ?? p.schema.description, new RegExp(`at most ${MAX_PAGE} \\(this server's HISTORY_MAX_PAGE\\)`));
    }
    assert.equal(doc.components.schemas.MessageList.properties.messages.maxItems, MAX_PAGE);
    assert.equal(doc.components.schemas.SyncPage.properties.events.maxItems, MAX_PAGE);
  });

  it("documents the DM id with its pattern", () => {
    const dmId = op("get", "/api/dm/{dm_id}/latest").parameters.find((p: any) => p.name === "dm_id");
    assert.equal(dmId.schema.pattern, "^dm:[a-z0-9_]{3,32}\\|[a-z0-9_]{3,32}$");
  });

  it("leaves no object open: every object lists its properties (closed) or types its map values", () => {
    const open: string[] = [];
    const walk = (s: any, where: string) => {
      if (!s || typeof s !== "object") return;
      if (Array.isArray(s)) return s.forEach((x, i) => walk(x, `${where}[${i}]`));
      if (s.type === "object" && s.format !== "binary") {
        const typedMap = typeof s.additionalProperties === "object" && Object.keys(s.additionalProperties).length > 0;
        if (!(s.properties && s.additionalProperties === false) && !(typedMap && !s.properties)) open.push(where);
      }
      for (const [k, v] of Object.entries(s)) walk(v, `${where}.${k}`);
    };
    walk(doc.components.schemas, "components");
    walk(doc.paths, "paths");
    assert.deepEqual(open, []);
    const message = doc.components.schemas.Message;
    assert.ok(["id", "seq", "sender", "text", "kind", "media", "reactions", "created_at"].every((k) => message.required.includes(k)));
  });
});

describe("the server does what the document says", () => {
  it("refuses unknown query keys everywhere, naming them", async () => {
    const dm = `dm:${[user.username, "someone_else"].sort().join("|")}`;
    for (const path of [`/api/dm/${dm}/history?limit=5&cursor=1`, "/api/events/sync?since=0&from=3", "/api/users/lookup?username=abc&page=2", "/api/users/me?verbose=1", "/api/groups?mine=true&sort=name"]) {
      const res = await stack.api.get(path, user.token);
      assert.equal(res.status, 400, `${path}: ${JSON.stringify(res.body)}`);
      assert.match(res.body.error.message, /^query: Unrecognized key: "(cursor|from|page|verbose|sort)"/, path);
    }
  });

  it("reads integer query values as decimal digits only", async () => {
    for (const q of ["limit=1e1", "limit=0x10", "limit=%205", "limit=", "limit=2.5", "since=-1"]) {
      assert.equal((await stack.api.get(`/api/events/sync?${q}`, user.token)).status, 400, q);
    }
    assert.equal((await stack.api.get("/api/events/sync?since=0&limit=1000", user.token)).status, 200, "up to 1000 may be asked for");
  });

  it("answers 405 with Allow for a method a documented path does not take, matching literal segments first", async () => {
    const patch = await stack.api.call("PATCH", "/api/users/me", { token: user.token, json: {} });
    assert.equal(patch.status, 405);
    assert.equal(patch.body.error.code, "method_not_allowed");
    assert.equal(patch.headers.get("allow"), "GET, HEAD, DELETE");
    // Not PUT /api/dm/{dm_id}/{messageId} with a message id of "latest".
    const put = await stack.api.call("PUT", "/api/dm/dm:abc|abd/latest", { token: user.token, json: { text: "x" } });
    assert.equal(put.status, 405);
    assert.equal(put.headers.get("allow"), "GET, HEAD");
    assert.equal((await stack.api.call("DELETE", "/api/groups", { token: user.token })).headers.get("allow"), "GET, HEAD, POST");
    assert.equal((await stack.api.call("PATCH", "/api/nowhere", { token: user.token })).status, 404, "an unknown path is still a 404");
  });

  it("requires the documented body: none is a 400, another content type a 415", async () => {
    const none = await stack.api.call("PUT", "/api/users/me/profile", { token: user.token });
    assert.equal(none.status, 400);
    assert.match(none.body.error.message, /^body: is required/);
    const text = await stack.api.call("PUT", "/api/users/me/profile", { token: user.token, raw: "{}", headers: { "content-type": "text/plain" } });
    assert.equal(text.status, 415);
    assert.equal(text.body.error.code, "unsupported_media_type");
    const form = await stack.api.call("PUT", "/api/users/me/profile", { token: user.token, form: { mood: "ok" } });
    assert.equal(form.status, 415, "a form where only JSON is documented");
    assert.equal((await stack.api.call("POST", "/api/auth/login", { form: { username: user.phone, password: user.password } })).status, 200, "login documents the form too");
  });
});
