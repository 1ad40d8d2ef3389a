// Unread state across devices, restarts and nodes: every device (session) of a user hears
// `unread_update` when a message arrives or one of them reads, GET /api/unread agrees with
// it, and the counts come from the database (right after a restart on the same DATA_DIR, and
// on two nodes sharing FerretDB and Redis).
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { collect, connectAs, requestOk } from "../support/clients.ts";
import { closeAll, connectReady, flush, stopWhenDrained } from "../support/conversations.ts";
import { buildCouple, buildGroup, buildUser, dmIdOf } from "../support/factories.ts";
import { api } from "../support/http.ts";
import { startTestServer } from "../support/server.ts";
import { startStack } from "../support/stack.ts";
import { useTwoNodes } from "../support/two-nodes.ts";
import { anotherDevice, mutePath, nextUnread, unreadSummary } from "../support/unread.ts";

describe("unread across one user's devices", () => {
  let stack: Awaited<ReturnType<typeof startStack>>;
  after(() => stack && stopWhenDrained(stack));

  it("three devices: each hears a new message; a read on one updates the other two; GET /api/unread agrees", async () => {
    stack = await startStack();
    const { a, b, chatId } = await buildCouple(stack.api);
    const tokens = [b.token, await anotherDevice(stack.api, b), await anotherDevice(stack.api, b)];
    const devices = await Promise.all(tokens.map((t) => connectReady(stack.url, "couples", t)));
    const sa = await connectReady(stack.url, "couples", a.token);
    const heardBySender = collect(sa, "unread_update");

    const two = devices.map((d) => nextUnread(d, chatId, (u) => u.unread_count === 2));
    await requestOk(sa, "send_message", { chat_id: chatId, client_message_id: "u-1", text: "one" });
    assert.equal((await stack.api.post(`/api/chats/${chatId}/messages`, { text: "two" }, a.token)).status, 201);
    for (const u of await Promise.all(two)) assert.deepEqual(u, { conversation_id: chatId, conversation_type: "couple", unread_count: 2, mentioned: false, muted_until: null, total_unread: 2 });
    assert.deepEqual(await unreadSummary(stack.api, tokens[1]!), { total: 2, conversations: [{ conversation_id: chatId, type: "couple", unread_count: 2, mentioned: false, muted_until: null }] });

    // Read on the phone (device 0, over the socket): the laptop and the tablet clear.
    const cleared = devices.slice(1).map((d) => nextUnread(d, chatId, (u) => u.unread_count === 1));
    await requestOk(devices[0]!, "mark_read", { chat_id: chatId, seq: 1 });
    for (const u of await Promise.all(cleared)) assert.equal(u.total_unread, 1);
    assert.equal((await unreadSummary(stack.api, tokens[2]!)).total, 1);

    // And over REST from the tablet: every socket hears it.
    const zero = devices.map((d) => nextUnread(d, chatId, (u) => u.unread_count === 0 && u.total_unread === 0));
    assert.equal((await stack.api.post(`/api/chats/${chatId}/read`, { seq: 2 }, tokens[2]!)).status, 200);
    await Promise.all(zero);
    assert.deepEqual(await unreadSummary(stack.api, tokens[0]!), { total: 0, conversations: [] });

    await flush(stack.server.app, sa, ...devices);
    assert.deepEqual(heardBySender, [], "the sender's own messages never changed the sender's unread");
    closeAll(sa, ...devices);
  });
});

describe("unread when a group goes away", () => {
  let stack: Awaited<ReturnType<typeof startStack>>;
  after(() => stack && stopWhenDrained(stack));

  it("a member removed, and the members of a deleted group, get the group at zero and their total without it", async () => {
    stack = await startStack();
    const [owner, m1, m2] = await Promise.all([buildUser(stack.api), buildUser(stack.api), buildUser(stack.api)]);
    const [g1, g2] = [await buildGroup(stack.api, owner, [m1, m2]), await buildGroup(stack.api, owner, [m1])];
    for (const [g, text] of [[g1, "one"], [g1, "two"], [g2, "three"]] as const) assert.equal((await stack.api.post(`/api/messages/${g}`, { text }, owner.token)).status, 201);
    const [s1, s2] = await Promise.all([connectReady(stack.url, "groups", m1.token), connectReady(stack.url, "groups", m2.token)]);
    assert.equal((await unreadSummary(stack.api, m1.token)).total, 3);

    const removed = nextUnread(s1, g1, (u) => u.unread_count === 0);
    assert.equal((await stack.api.del(`/api/groups/${g1}/members/${m1.id}`, owner.token)).status, 200);
    assert.deepEqual(await removed, { conversation_id: g1, conversation_type: "group", unread_count: 0, mentioned: false, muted_until: null, total_unread: 1 });
    assert.equal((await unreadSummary(stack.api, m1.token)).total, 1, "GET /api/unread agrees");

    const [m1Left, m2Left] = [nextUnread(s1, g2, (u) => u.unread_count === 0), nextUnread(s2, g1, (u) => u.unread_count === 0)];
    assert.equal((await stack.api.del(`/api/groups/${g2}`, owner.token)).status, 204);
    assert.equal((await m1Left).total_unread, 0);
    assert.equal((await stack.api.del(`/api/groups/${g1}`, owner.token)).status, 204);
    assert.equal((await m2Left).total_unread, 0);
    closeAll(s1, s2);
  });
});

describe("unread after a restart on the same DATA_DIR", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "unread-restart-"));
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it("counts, mentions and mutes are what they were, and the next update builds on them", async () => {
    const env = { DATA_DIR: dataDir };
    let server = await startTestServer({ env });
    let rest = api(server.url);
    const [owner, ann] = [await buildUser(rest), await buildUser(rest)];
    const groupId = await buildGroup(rest, owner, [ann]);
    const dmId = dmIdOf(owner, ann);
    for (const text of ["a", `@${ann.username} b`, "c"]) assert.equal((await rest.post(`/api/messages/${groupId}`, { text }, owner.token)).status, 201);
    assert.equal((await rest.post(`/api/dm/${encodeURIComponent(dmId)}/message`, { text: "dm" }, owner.token)).status, 201);
    assert.equal((await rest.post(`/api/messages/${groupId}/read`, { seq: 1 }, ann.token)).status, 200);
    const muted = await rest.put(mutePath("dm", dmId), { forever: true }, ann.token);
    assert.equal(muted.status, 200);
    const before = await unreadSummary(rest, ann.token);
    assert.equal(before.total, 3);
    await server.close();

    server = await startTestServer({ env });
    try {
      rest = api(server.url);
      assert.deepEqual(await unreadSummary(rest, ann.token), before, "nothing was kept only in memory");
      assert.deepEqual(before.conversations.map((c) => [c.type, c.unread_count, c.mentioned, c.muted_until]).sort(), [
        ["dm", 1, false, "9999-12-31T23:59:59.999Z"],
        ["group", 2, true, null],
      ]);
      const socket = await connectReady(server.url, "groups", ann.token);
      const next = nextUnread(socket, groupId);
      assert.equal((await rest.post(`/api/messages/${groupId}`, { text: "after the restart" }, owner.token)).status, 201);
      assert.deepEqual(await next, { conversation_id: groupId, conversation_type: "group", unread_count: 3, mentioned: true, muted_until: null, total_unread: 4 });
      socket.close();
    } finally {
      await server.close();
    }
  });
});

describe("unread across two nodes (FerretDB, Redis streams adapter)", () => {
  const nodes = useTwoNodes("streams");

  it("a device on each node hears the other node's message and the other node's read; both nodes answer the same counts", async () => {
    const rest1 = api(nodes.n1.url);
    const rest2 = api(nodes.n2.url);
    const [a, b] = [await buildUser(rest1), await buildUser(rest1)];
    const dmId = dmIdOf(a, b);
    const laptop = await connectAs(nodes.n1.url, "dm", b.token);
    const phone = await connectAs(nodes.n2.url, "dm", await anotherDevice(rest2, b), ["polling"]);
    const sender = await connectAs(nodes.n1.url, "dm", a.token);

    const arrived = [laptop, phone].map((d) => nextUnread(d, dmId, (u) => u.unread_count === 2));
    await requestOk(sender, "send_message", { chat_id: dmId, client_message_id: "n-1", text: "one" });
    assert.equal((await rest2.post(`/api/dm/${encodeURIComponent(dmId)}/message`, { text: "two" }, a.token)).status, 201);
    for (const u of await Promise.all(arrived)) assert.equal(u.total_unread, 2);

    const read = nextUnread(laptop, dmId, (u) => u.unread_count === 0);
    await requestOk(phone, "mark_read", { chat_id: dmId, seq: 2 });
    assert.equal((await read).total_unread, 0, "the read on node 2 reached the laptop on node 1");
    assert.deepEqual(await unreadSummary(rest1, b.token), await unreadSummary(rest2, b.token));
    assert.equal((await unreadSummary(rest1, b.token)).total, 0);

    // A mute on node 1 reaches the phone on node 2.
    const mutedHeard = nextUnread(phone, dmId, (u) => u.muted_until !== null);
    const until = new Date(Date.now() + 3600_000).toISOString();
    const res = await rest1.put(mutePath("dm", dmId), { until }, b.token);
    assert.deepEqual(res.body, { conversation_id: dmId, muted_until: until });
    assert.equal((await mutedHeard).muted_until, until);
    closeAll(laptop, phone, sender);
  });
});
