// Group membership, live: a connected socket follows its user's memberships (added,
// joined, removed, group deleted) without reconnecting, and after a recovered reconnect.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { nextEvent } from "../support/clients.ts";
import { closeAll, connectReady, dropAndReconnect, flush, messagePaths, post, record, stopWhenDrained } from "../support/conversations.ts";
import { buildGroup, buildUser, type TestUser } from "../support/factories.ts";
import { startStack, type Stack } from "../support/stack.ts";

let stack: Stack;
let owner: TestUser, member: TestUser, newcomer: TestUser;
before(async () => {
  stack = await startStack({ redis: true });
  [owner, member, newcomer] = await Promise.all([buildUser(stack.api), buildUser(stack.api), buildUser(stack.api)]);
});
after(() => stopWhenDrained(stack));

const say = (g: string, user: TestUser, text: string) => post(stack.api, { paths: messagePaths("group", g) }, user, text);

describe("membership changes reach connected sockets", () => {
  it("an invited member's connected socket receives the group's events without reconnecting", async () => {
    const g = await buildGroup(stack.api, owner, [member]);
    const sn = await connectReady(stack.url, "groups", newcomer.token);
    try {
      const before = record(sn, "new_message");
      await say(g, owner, "before the invitation");
      const updated = nextEvent(sn, "group_updated", (p) => p.group.id === g);
      assert.equal((await stack.api.post(`/api/groups/${g}/members`, { user_id: newcomer.id }, owner.token)).status, 200);
      assert.ok((await updated).group.members.some((m) => m.user_id === newcomer.id));
      const arrives = nextEvent(sn, "new_message", (p) => p.message.text === "after the invitation");
      await say(g, member, "after the invitation");
      assert.equal((await arrives).message.conversation_id, g);
      assert.deepEqual(before.seen.map((p) => p.message.text), ["after the invitation"], "nothing from before the invitation");
    } finally {
      sn.close();
    }
  });

  it("joining a public group subscribes the joiner's connected socket", async () => {
    const created = await stack.api.post("/api/groups", { name: "Town square", is_public: true }, owner.token);
    const g = created.body.id as string;
    const sn = await connectReady(stack.url, "groups", newcomer.token);
    try {
      assert.equal((await stack.api.post(`/api/groups/${g}/join`, {}, newcomer.token)).status, 200);
      const arrives = nextEvent(sn, "new_message", (p) => p.message.conversation_id === g);
      await say(g, owner, "welcome, newcomer");
      assert.equal((await arrives).message.text, "welcome, newcomer");
    } finally {
      sn.close();
    }
  });

  it("a removed member hears of the removal, then stops receiving the group's events", async () => {
    const g = await buildGroup(stack.api, owner, [member, newcomer]);
    const [so, sn] = await Promise.all([connectReady(stack.url, "groups", owner.token), connectReady(stack.url, "groups", newcomer.token)]);
    try {
      const removal = nextEvent(sn, "group_member_removed", (p) => p.group_id === g);
      assert.equal((await stack.api.del(`/api/groups/${g}/members/${newcomer.id}`, owner.token)).status, 200);
      assert.equal((await removal).user_id, newcomer.id);
      const atNewcomer = record(sn, "new_message");
      const atOwner = nextEvent(so, "new_message", (p) => p.message.text === "members only now");
      await say(g, member, "members only now");
      await atOwner; // the owner has it: a copy wrongly sent to the newcomer was emitted too
      await flush(stack.server.app, sn);
      assert.deepEqual(atNewcomer.seen, [], "a removed member's socket gets nothing more");
    } finally {
      closeAll(so, sn);
    }
  });

  it("deleting a group tells connected members and deletes its messages", async () => {
    const g = "doomed-group";
    const created = await stack.api.post("/api/groups", { group_id: g, name: "Doomed", is_public: false, member_ids: [member.id] }, owner.token);
    assert.equal(created.status, 201);
    await say(g, owner, "one");
    await say(g, member, "two");
    const sm = await connectReady(stack.url, "groups", member.token);
    try {
      const deleted = nextEvent(sm, "group_deleted");
      assert.equal((await stack.api.del(`/api/groups/${g}`, owner.token)).status, 204);
      const ev = await deleted;
      assert.equal(ev.group_id, g);
      assert.equal(typeof ev.meta?.event_seq, "number");
      assert.equal((await stack.api.get(messagePaths("group", g).latest(), member.token)).status, 404);

      // The same id again is a new, empty group: nothing of the old messages survives.
      assert.equal((await stack.api.post("/api/groups", { group_id: g, name: "Reborn", is_public: false, member_ids: [member.id] }, owner.token)).status, 201);
      assert.deepEqual((await stack.api.get(messagePaths("group", g).latest(), member.token)).body.messages, []);
      assert.deepEqual((await stack.api.get(messagePaths("group", g).history(), member.token)).body.messages, []);
      assert.equal((await say(g, owner, "fresh start")).seq, 1);
    } finally {
      sm.close();
    }
  });
});

describe("membership changes across a recovered reconnect", () => {
  // A socket that comes back through connection-state recovery gets its old rooms back.
  // Memberships that changed while it was away must still be honoured.
  it("a member added while the socket was away receives the group's events after recovery", async () => {
    const home = await buildGroup(stack.api, owner, [newcomer]);
    const g = await buildGroup(stack.api, owner, [member]);
    const sn = await connectReady(stack.url, "groups", newcomer.token);
    try {
      const seen = nextEvent(sn, "new_message", (p) => p.message.conversation_id === home);
      await say(home, owner, "gives the socket a recovery offset");
      await seen;
      const recovered = await dropAndReconnect(stack.server.app, sn, async () => {
        assert.equal((await stack.api.post(`/api/groups/${g}/members`, { user_id: newcomer.id }, owner.token)).status, 200);
      });
      assert.equal(recovered, true, "the short drop was recovered");
      const arrives = nextEvent(sn, "new_message", (p) => p.message.conversation_id === g, 3000);
      await say(g, member, "hello newcomer");
      assert.equal((await arrives).message.text, "hello newcomer");
    } finally {
      sn.close();
    }
  });

  it("a member removed while the socket was away receives nothing of the group after recovery", async () => {
    const g = await buildGroup(stack.api, owner, [member, newcomer]);
    const [so, sn] = await Promise.all([connectReady(stack.url, "groups", owner.token), connectReady(stack.url, "groups", newcomer.token)]);
    try {
      const seen = nextEvent(sn, "new_message", (p) => p.message.conversation_id === g);
      await say(g, owner, "gives the socket a recovery offset");
      await seen;
      const recovered = await dropAndReconnect(stack.server.app, sn, async () => {
        assert.equal((await stack.api.del(`/api/groups/${g}/members/${newcomer.id}`, owner.token)).status, 200);
      });
      assert.equal(recovered, true, "the short drop was recovered");
      const atNewcomer = record(sn, "new_message");
      const atOwner = nextEvent(so, "new_message", (p) => p.message.text === "after the removal");
      await say(g, member, "after the removal");
      await atOwner; // the owner has it: a copy wrongly sent to the newcomer was emitted too
      await flush(stack.server.app, sn);
      assert.deepEqual(atNewcomer.seen.map((p) => p.message.text), [], "the removed member must not get the group's messages");
    } finally {
      closeAll(so, sn);
    }
  });
});
