// Pushes across a block (the isBlocked hook of src/push/push-fanout.ts), end to end with the
// local Web Push service: in a group the two share, neither gets a push caused by the other
// (a mention included), while a third member's message still pushes; an unblock restores it.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { buildGroup, buildUser } from "../support/factories.ts";
import { startPushService, type PushService } from "../support/push-service.ts";
import { startStack, type Stack } from "../support/stack.ts";
import { pushEnv, pushQueueDrained, subscribeWebPush } from "../push/push-helpers.ts";

let push: PushService;
let stack: Stack;
before(async () => {
  push = await startPushService();
  stack = await startStack({ env: pushEnv(push) });
  push.expectVapidKey((await stack.api.get("/api/push/vapid-public-key")).body.public_key);
});
after(async () => {
  await stack.stop();
  await push.stop();
});

const skippedAsBlocked = async () => {
  const text = await (await fetch(`${stack.url}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith('chat_push_skipped_total{reason="blocked"}'));
  return line ? Number(line.split(" ").pop()) : 0;
};

describe("pushes across a block", () => {
  it("none either way in a shared group, a mention included; a third member's message still pushes; an unblock restores them", async () => {
    const [owner, blocked, other] = [await buildUser(stack.api), await buildUser(stack.api), await buildUser(stack.api)];
    const group = await buildGroup(stack.api, owner, [blocked, other]);
    const toOwner = (await subscribeWebPush(stack.api, push, owner.token)).subscription.endpoint;
    const toBlocked = (await subscribeWebPush(stack.api, push, blocked.token)).subscription.endpoint;
    assert.equal((await stack.api.post("/api/blocks", { user_id: blocked.id }, owner.token)).status, 201);
    await pushQueueDrained(stack.server.app);
    push.clear();
    const before = await skippedAsBlocked();

    const say = async (from: typeof owner, text: string) => assert.equal((await stack.api.post(`/api/messages/${group}`, { text }, from.token)).status, 201);
    await say(blocked, `@${owner.username} are you there?`);
    await say(owner, "talking to the group");
    await pushQueueDrained(stack.server.app);
    assert.equal(await skippedAsBlocked(), before + 2, "one skip each way");
    assert.deepEqual(push.received.filter((p) => p.endpoint === toOwner || p.endpoint === toBlocked).length, 0);

    await say(other, "from someone else");
    const got = await push.waitForPushes(2);
    assert.deepEqual(got.map((p) => p.endpoint).sort(), [toOwner, toBlocked].sort(), "a third member's message reaches both");

    push.clear();
    assert.equal((await stack.api.del(`/api/blocks/${blocked.id}`, owner.token)).status, 204);
    await say(blocked, "unblocked now");
    const [back] = await push.waitForPushes(1);
    assert.equal(back!.endpoint, toOwner);
  });
});
