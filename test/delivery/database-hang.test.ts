// A database that stops answering (SIGSTOP: connections open, no replies) must not hang
// the server: every call is bounded (503 database_unavailable, the same code in an error
// ack), /readyz says 503 within 2 s, /healthz stays 200, and once the database answers
// again the server recovers by itself.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { requestError, requestOk } from "../support/clients.ts";
import { buildConversation, cmid, connectReady, type Conversation } from "../support/conversations.ts";
import { startStack, type Stack } from "../support/stack.ts";
import { until } from "../support/wait.ts";

let stack: Stack;
let c: Conversation;
before(async () => {
  stack = await startStack({ db: "ferretdb", env: { DB_OPERATION_TIMEOUT_MS: "1000" } });
  c = await buildConversation(stack.api, "dm");
});
after(async () => {
  stack.db?.thaw();
  await stack.stop();
});

async function timed<T>(f: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = Date.now();
  const value = await f();
  return { value, ms: Date.now() - started };
}

describe("a database that hangs", () => {
  it("answers 503 within bounds while it hangs, and recovers when it answers again", async () => {
    const socket = await connectReady(stack.url, "dm", c.a.token);
    try {
      stack.db!.freeze();
      const ready = await timed(() => stack.api.get("/readyz"));
      assert.equal(ready.value.status, 503);
      assert.ok(ready.ms < 2600, `/readyz took ${ready.ms} ms`);
      assert.equal((await stack.api.get("/healthz")).status, 200, "the process itself is fine");

      const me = await timed(() => stack.api.get("/api/users/me", c.a.token));
      assert.equal(me.value.status, 503, JSON.stringify(me.value.body));
      assert.equal(me.value.body.error.code, "database_unavailable");
      assert.ok(me.ms < 5000, `/api/users/me took ${me.ms} ms`);

      const id = cmid();
      const ack = await timed(() => requestError(socket, "send_message", { chat_id: c.id, client_message_id: id, text: "while it hangs" }, 15_000));
      assert.equal(ack.value.code, "database_unavailable");
      assert.ok(ack.ms < 8000, `the send's ack took ${ack.ms} ms`);

      stack.db!.thaw();
      const readyAgain = await until(async () => (await stack.api.get("/readyz")).status === 200, 10_000, 250);
      assert.ok(readyAgain, "ready again within 10 s of the database answering");
      // The client retries with the same id: stored once, whether or not the first attempt landed.
      await requestOk(socket, "send_message", { chat_id: c.id, client_message_id: id, text: "while it hangs" });
      const latest = await stack.api.get(c.paths.latest(10), c.a.token);
      assert.equal(latest.status, 200);
      assert.equal(latest.body.messages.filter((m: { client_message_id: string }) => m.client_message_id === id).length, 1);
    } finally {
      stack.db?.thaw();
      socket.close();
    }
  });
});
