// A malformed percent-encoding in a path is the client's mistake (finding 3 of issue 12):
// 400 bad_request naming the path, without authentication, and no error logged with a
// stack (it was a 500 and one stack trace per request: a log flood for anyone).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import express from "express";
import type { Logger } from "../../src/infra/logger.ts";
import { errorHandler, notFoundHandler } from "../../src/http/error-handler.ts";
import { startStack, type Stack } from "../support/stack.ts";

let stack: Stack;
before(async () => {
  stack = await startStack();
});
after(() => stack.stop());

const PATHS = ["/api/chats/%", "/api/chats/%E0%A4%A/messages", "/api/users/%E0%A4%A", "/api/dm/%zz/latest", "/api/messages/%/latest", "/nowhere/%"];

describe("malformed percent-encoding in a path", () => {
  it("answers 400 bad_request naming the path, without authentication", async () => {
    for (const path of PATHS) {
      const res = await fetch(stack.url + path);
      const body = (await res.json()) as { error: { code: string; message: string } };
      assert.equal(res.status, 400, `${path}: ${JSON.stringify(body)}`);
      assert.equal(body.error.code, "bad_request", path);
      assert.match(body.error.message, /^path: malformed percent-encoding in /, path);
      assert.ok(body.error.message.includes(path), `${path} named in ${body.error.message}`);
    }
    // A well-formed path that matches nothing is still a 404, and the server still answers.
    assert.equal((await fetch(`${stack.url}/api/nowhere/%41`)).status, 404);
    assert.equal((await fetch(`${stack.url}/healthz`)).status, 200);
  });

  it("logs no error (the server's own error handler, with a logger that records)", async () => {
    const logged: unknown[] = [];
    const log = { error: (...args: unknown[]) => logged.push(args) } as unknown as Logger;
    const app = express();
    const chats = express.Router();
    chats.get("/:id", (_req, res) => void res.json({ ok: true }));
    app.use("/api/chats", chats);
    app.use(notFoundHandler);
    app.use(errorHandler(log));
    const server = app.listen(0, "127.0.0.1");
    await new Promise((r) => server.once("listening", r));
    const { port } = server.address() as { port: number };
    try {
      for (const path of ["/api/chats/%", "/api/users/%E0%A4%A"]) {
        const res = await fetch(`http://127.0.0.1:${port}${path}`);
        assert.equal(res.status, 400, path);
        assert.equal(((await res.json()) as { error: { code: string } }).error.code, "bad_request");
      }
      assert.deepEqual(logged, []);
    } finally {
      server.close();
    }
  });
});
