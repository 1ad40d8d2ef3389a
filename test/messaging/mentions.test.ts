// @mentions over REST and sockets: resolved to group members only (not outsiders, not the
// sender), carried by the message everywhere it is shown, re-resolved by an edit, emptied by a
// delete; and the `mentioned` flag, which clears once the member reads past the mention.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Message } from "../../src/contract/models.ts";
import { nextEvent, requestOk } from "../support/clients.ts";
import { buildConversation, closeAll, connectReady, messagePaths, stopWhenDrained } from "../support/conversations.ts";
import { buildGroup, buildUser, type TestUser } from "../support/factories.ts";
import { startStack, type Stack } from "../support/stack.ts";
import { nextUnread, unreadSummary } from "../support/unread.ts";

let stack: Stack;
let owner: TestUser, ann: TestUser, bob: TestUser, outsider: TestUser;
before(async () => {
  stack = await startStack();
  [owner, ann, bob, outsider] = [await buildUser(stack.api), await buildUser(stack.api), await buildUser(stack.api), await buildUser(stack.api)];
});
after(() => stopWhenDrained(stack));

const groupEntry = async (user: TestUser, groupId: string) =>
  ((await stack.api.get("/api/groups?mine=true", user.token)).body.groups as { id: string; unread_count: number; mentioned: boolean }[]).find((g) => g.id === groupId)!;

describe("mentions in a group", () => {
  it("over the socket: members only, in text order, once each; the ack, the event and REST show the same ids", async () => {
    const groupId = await buildGroup(stack.api, owner, [ann, bob]);
    const [so, sa, sb] = await Promise.all([owner, ann, bob].map((u) => connectReady(stack.url, "groups", u.token)));
    const heard = nextEvent(sb!, "new_message");
    const annMentioned = nextUnread(sa!, groupId, (u) => u.mentioned);
    const text = `@${bob.username}: @${outsider.username} @${owner.username} @nobody_at_all and @${ann.username} (again @${bob.username})`;
    const ack = await requestOk(so!, "send_message", { chat_id: groupId, client_message_id: "m-1", text });
    assert.deepEqual(ack.message.mentions, [bob.id, ann.id]);
    assert.deepEqual((await heard).message.mentions, [bob.id, ann.id]);
    assert.deepEqual(await annMentioned, { conversation_id: groupId, conversation_type: "group", unread_count: 1, mentioned: true, muted_until: null, total_unread: 1 });

    const paths = messagePaths("group", groupId);
    const latest = await stack.api.get(paths.latest(), ann.token);
    assert.deepEqual((latest.body.messages as Message[]).map((m) => m.mentions), [[bob.id, ann.id]]);
    assert.deepEqual((await stack.api.get(paths.byId(ack.message.id), bob.token)).body.mentions, [bob.id, ann.id]);
    assert.deepEqual(await groupEntry(ann, groupId), { ...(await groupEntry(ann, groupId)), unread_count: 1, mentioned: true });
    const summary = await unreadSummary(stack.api, ann.token);
    assert.deepEqual(summary.conversations.find((c) => c.conversation_id === groupId), { conversation_id: groupId, type: "group", unread_count: 1, mentioned: true, muted_until: null });
    closeAll(so!, sa!, sb!);
  });

  it("over REST: an edit re-resolves the mentions (message_updated carries them), a delete empties them", async () => {
    const groupId = await buildGroup(stack.api, owner, [ann, bob]);
    const paths = messagePaths("group", groupId);
    const sent = await stack.api.post(paths.post, { text: `hi @${ann.username}` }, owner.token);
    assert.equal(sent.status, 201);
    assert.deepEqual(sent.body.mentions, [ann.id]);

    const [sa, sb] = await Promise.all([ann, bob].map((u) => connectReady(stack.url, "groups", u.token)));
    const updated = nextEvent(sb!, "message_updated");
    const annCleared = nextUnread(sa!, groupId, (u) => !u.mentioned);
    const bobMentioned = nextUnread(sb!, groupId, (u) => u.mentioned);
    const edited = await stack.api.put(paths.item(sent.body.id), { text: `hi @${bob.username}` }, owner.token);
    assert.equal(edited.status, 200);
    assert.deepEqual(edited.body.mentions, [bob.id]);
    assert.deepEqual((await updated).message.mentions, [bob.id]);
    assert.equal((await annCleared).unread_count, 1, "still unread, no longer a mention");
    assert.equal((await bobMentioned).mentioned, true);
    assert.equal((await groupEntry(ann, groupId)).mentioned, false);

    const bobCleared = nextUnread(sb!, groupId, (u) => !u.mentioned && u.unread_count === 0);
    const deleted = await stack.api.del(paths.item(sent.body.id), owner.token);
    assert.deepEqual([deleted.status, deleted.body.mentions], [200, []]);
    await bobCleared;
    closeAll(sa!, sb!);
  });

  it("the flag clears once the member reads past the mention, not before", async () => {
    const groupId = await buildGroup(stack.api, owner, [ann]);
    const paths = messagePaths("group", groupId);
    for (const text of ["before", `@${ann.username} look`, "after"]) assert.equal((await stack.api.post(paths.post, { text }, owner.token)).status, 201);
    const sa = await connectReady(stack.url, "groups", ann.token);
    const stillMentioned = nextUnread(sa, groupId, (u) => u.unread_count === 2);
    await requestOk(sa, "mark_read", { chat_id: groupId, seq: 1 });
    assert.equal((await stillMentioned).mentioned, true, "read up to just before the mention");
    const cleared = nextUnread(sa, groupId, (u) => u.unread_count === 1);
    assert.equal((await stack.api.post(paths.read, { seq: 2 }, ann.token)).status, 200);
    assert.equal((await cleared).mentioned, false);
    assert.deepEqual([(await groupEntry(ann, groupId)).mentioned, (await groupEntry(ann, groupId)).unread_count], [false, 1]);
    sa.close();
  });
});

describe("no mentions outside groups", () => {
  for (const kind of ["couple", "dm"] as const) {
    it(`${kind}: @names are plain text (REST and socket)`, async () => {
      const c = await buildConversation(stack.api, kind);
      const posted = await stack.api.post(c.paths.post, { text: `@${c.b.username} hi` }, c.a.token);
      assert.deepEqual([posted.status, posted.body.mentions], [201, []]);
      const socket = await connectReady(stack.url, c.ns, c.b.token);
      const ack = await requestOk(socket, "send_message", { chat_id: c.id, client_message_id: `x-${kind}`, text: `@${c.a.username}` });
      assert.deepEqual(ack.message.mentions, []);
      socket.close();
    });
  }
});
