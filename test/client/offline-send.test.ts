// A send made while the network is down is delivered once after it comes back; and a send
// still pending when the client goes away (a page reload, a process restart) is delivered
// once by the next client given the same store, with the same client_message_id.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { memoryStore, type Message } from "../../client/src/index.ts";
import { buildGroup, buildUser, type TestUser } from "../support/factories.ts";
import { startStack, type Stack } from "../support/stack.ts";
import { sleep, waitFor } from "../support/wait.ts";
import { clientFor, nextClientEvent } from "./helpers.ts";
import { startTcpProxy, type TcpProxy } from "./tcp-proxy.ts";

let stack: Stack;
let proxy: TcpProxy;
before(async () => {
  stack = await startStack();
  proxy = await startTcpProxy(stack.url);
});
after(async () => {
  await proxy.close();
  await stack.stop();
});

/** Every stored message of the group (as the owner reads it). */
async function stored(owner: TestUser, groupId: string): Promise<Message[]> {
  const res = await stack.api.get(`/api/messages/${groupId}/history?after_seq=0&limit=200`, owner.token);
  assert.equal(res.status, 200);
  return res.body.messages;
}

describe("sends while offline", () => {
  it("a send made while disconnected is delivered once after reconnect", async () => {
    const a = await buildUser(stack.api);
    const b = await buildUser(stack.api);
    const groupId = await buildGroup(stack.api, a, [b]);
    const sender = clientFor(proxy.url, a, { namespaces: ["groups"], transports: ["websocket"] });
    const receiver = clientFor(stack.url, b, { namespaces: ["groups"] });
    try {
      await Promise.all([sender.ready(), receiver.ready()]);
      const gotAtReceiver: string[] = [];
      receiver.on("message", (m, info) => info.change === "new" && gotAtReceiver.push(m.text));

      const down = nextClientEvent(sender, "disconnected");
      proxy.cut();
      await down;
      const sending = sender.send("groups", { chat_id: groupId, text: "written offline" });
      await sleep(300);
      assert.equal(sender.outbox().length, 1, "the send waits in the outbox");
      assert.equal(sender.conversation("groups", groupId).pending.length, 1);
      assert.deepEqual(gotAtReceiver, []);

      proxy.restore();
      const m = await sending;
      assert.equal(m.text, "written offline");
      await waitFor(() => gotAtReceiver.length > 0, "the receiver to get it");
      await sleep(300);
      assert.deepEqual(gotAtReceiver, ["written offline"]);
      assert.equal(sender.outbox().length, 0);
      const all = await stored(a, groupId);
      assert.deepEqual(all.map((x) => x.text), ["written offline"], "stored once");
    } finally {
      sender.close();
      receiver.close();
      proxy.restore();
    }
  });

  it("a send pending at a reload is delivered once by the next client on the same store", async () => {
    const a = await buildUser(stack.api);
    const b = await buildUser(stack.api);
    const groupId = await buildGroup(stack.api, a, [b]);
    const store = memoryStore();
    const first = clientFor(proxy.url, a, { namespaces: ["groups"], store });
    const receiver = clientFor(stack.url, b, { namespaces: ["groups"] });
    let second: ReturnType<typeof clientFor> | undefined;
    try {
      await Promise.all([first.ready(), receiver.ready()]);
      const gotAtReceiver: Message[] = [];
      receiver.on("message", (m, info) => info.change === "new" && gotAtReceiver.push(m));
      const down = nextClientEvent(first, "disconnected");
      proxy.cut();
      await down;
      void first.send("groups", { chat_id: groupId, text: "survives the reload" }).catch(() => {});
      await waitFor(() => (store.get<unknown[]>("outbox") as unknown[] | undefined)?.length === 1, "the send to be in the stored outbox");
      const cmid = first.outbox()[0]!.client_message_id;
      first.close(); // the page goes away with the send pending
      proxy.restore();

      // The reloaded page: no credentials, the tokens and the outbox come from the store.
      second = clientFor(stack.url, a, { namespaces: ["groups"], store, credentials: undefined });
      const delivered = nextClientEvent(second, "message", (m) => m.client_message_id === cmid);
      await second.ready();
      const [m, info] = await delivered;
      assert.ok(["ack", "live"].includes(info.via), info.via); // its ack, or its broadcast if that came first
      await waitFor(() => gotAtReceiver.length > 0, "the receiver to get it");
      await sleep(300);
      assert.deepEqual(gotAtReceiver.map((x) => x.client_message_id), [cmid]);
      assert.equal(m.text, "survives the reload");
      assert.equal(second.outbox().length, 0);
      assert.deepEqual(store.get("outbox"), []);
      const all = await stored(a, groupId);
      assert.deepEqual(all.map((x) => x.client_message_id), [cmid], "stored once");
    } finally {
      first.close();
      second?.close();
      receiver.close();
      proxy.restore();
    }
  });
});
