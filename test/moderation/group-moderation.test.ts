// Group moderation over REST and sockets (issue 15): a group's owner and admins ban and unban
// (a banned user is removed and cannot rejoin or be re-added until unbanned) and mute a member
// (who reads but cannot post: muted_in_group, on REST and on the socket); every change reaches
// the group's connected members live. Members and outsiders are refused.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { nextEvent, request } from "../support/clients.ts";
import { closeAll, cmid, connectReady, send } from "../support/conversations.ts";
import { buildGroup, buildUser, type TestUser } from "../support/factories.ts";
import { startStack, type Stack } from "../support/stack.ts";

let stack: Stack;
let owner: TestUser, admin: TestUser, member: TestUser, outsider: TestUser;
before(async () => {
  stack = await startStack();
  [owner, admin, member, outsider] = await Promise.all([buildUser(stack.api), buildUser(stack.api), buildUser(stack.api), buildUser(stack.api)]);
});
after(() => stack.stop());

async function publicGroup(...members: TestUser[]) {
  const g = await buildGroup(stack.api, owner, [admin, ...members], { is_public: true });
  assert.equal((await stack.api.put(`/api/groups/${g}/members/${admin.id}`, { role: "admin" }, owner.token)).status, 200);
  return g;
}

describe("bans", () => {
  it("a ban removes the member live, keeps them out of a public group and off the member list until unbanned", async () => {
    const target = await buildUser(stack.api);
    const g = await publicGroup(member, target);
    const [sm, st] = await Promise.all([connectReady(stack.url, "groups", member.token), connectReady(stack.url, "groups", target.token)]);
    try {
      const removedAtTarget = nextEvent(st, "group_member_removed", (p) => p.group_id === g);
      const bannedAtTarget = nextEvent(st, "group_member_banned", (p) => p.group_id === g);
      const bannedAtMember = nextEvent(sm, "group_member_banned", (p) => p.group_id === g);
      const res = await stack.api.post(`/api/groups/${g}/bans/${target.id}`, {}, admin.token);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.deepEqual([res.body.group_id, res.body.user_id, res.body.banned_by, res.body.reason], [g, target.id, admin.id, null]);
      assert.equal((await removedAtTarget).user_id, target.id);
      assert.equal((await bannedAtTarget).user_id, target.id);
      assert.equal((await bannedAtMember).user_id, target.id);
      // The banned user's socket left the room: a send is refused, the group's messages no longer come.
      assert.equal((await request(st, "send_message", { chat_id: g, client_message_id: cmid(), text: "still here?" })).ok, false);
    } finally {
      closeAll(sm, st);
    }
    const rejoin = await stack.api.post(`/api/groups/${g}/join`, {}, target.token);
    assert.deepEqual([rejoin.status, rejoin.body.error.code], [403, "banned_from_group"]);
    const readd = await stack.api.post(`/api/groups/${g}/members`, { user_id: target.id }, owner.token);
    assert.deepEqual([readd.status, readd.body.error.code], [403, "banned_from_group"]);
    const list = await stack.api.get(`/api/groups/${g}/bans`, admin.token);
    assert.deepEqual([list.status, list.body.bans.map((b: { user_id: string }) => b.user_id)], [200, [target.id]]);

    const sm2 = await connectReady(stack.url, "groups", member.token);
    try {
      const unbanned = nextEvent(sm2, "group_member_unbanned", (p) => p.group_id === g);
      assert.equal((await stack.api.del(`/api/groups/${g}/bans/${target.id}`, owner.token)).status, 204);
      assert.equal((await unbanned).user_id, target.id);
    } finally {
      sm2.close();
    }
    assert.equal((await stack.api.del(`/api/groups/${g}/bans/${target.id}`, owner.token)).status, 404, "not banned any more");
    assert.equal((await stack.api.post(`/api/groups/${g}/join`, {}, target.token)).status, 200);
  });

  it("refuses members and outsiders, yourself, the owner, and an admin banning an admin", async () => {
    const g = await publicGroup(member);
    const priv = await buildGroup(stack.api, owner, [member]);
    const cases: [string, string, TestUser, number][] = [
      ["post", `/api/groups/${g}/bans/${outsider.id}`, member, 403],
      ["get", `/api/groups/${g}/bans`, member, 403],
      ["get", `/api/groups/${g}/bans`, outsider, 403],
      ["get", `/api/groups/${priv}/bans`, outsider, 404],
      ["post", `/api/groups/${priv}/bans/${member.id}`, outsider, 404],
      ["post", `/api/groups/${g}/bans/${admin.id}`, admin, 400],
      ["post", `/api/groups/${g}/bans/${owner.id}`, admin, 400],
      ["post", `/api/groups/${g}/bans/${"0".repeat(24)}`, owner, 404],
      ["delete", `/api/groups/${g}/bans/${member.id}`, member, 403],
    ];
    for (const [method, path, who, status] of cases) {
      const res = method === "get" ? await stack.api.get(path, who.token) : method === "post" ? await stack.api.post(path, {}, who.token) : await stack.api.del(path, who.token);
      assert.equal(res.status, status, `${method} ${path}: ${JSON.stringify(res.body)}`);
    }
    const admin2 = await buildUser(stack.api);
    assert.equal((await stack.api.post(`/api/groups/${g}/members`, { user_id: admin2.id, role: "admin" }, owner.token)).status, 200);
    assert.equal((await stack.api.post(`/api/groups/${g}/bans/${admin2.id}`, {}, admin.token)).status, 403);
    assert.equal((await stack.api.post(`/api/groups/${g}/bans/${admin2.id}`, {}, owner.token)).status, 200, "the owner may");
  });
});

describe("muting a member", () => {
  it("a muted member still reads but cannot post on the socket or over REST, until the mute is lifted; everyone hears of both", async () => {
    const loud = await buildUser(stack.api);
    const g = await publicGroup(member, loud);
    const [sm, sl] = await Promise.all([connectReady(stack.url, "groups", member.token), connectReady(stack.url, "groups", loud.token)]);
    try {
      const until = new Date(Date.now() + 3600_000).toISOString();
      const heard = [nextEvent(sm, "group_member_muted", (p) => p.group_id === g), nextEvent(sl, "group_member_muted", (p) => p.group_id === g)];
      const res = await stack.api.put(`/api/groups/${g}/members/${loud.id}/mute`, { until }, admin.token);
      assert.deepEqual([res.status, res.body], [200, { group_id: g, user_id: loud.id, until }]);
      for (const p of await Promise.all(heard)) assert.deepEqual([p.user_id, p.until], [loud.id, until]);

      const ack = await request(sl, "send_message", { chat_id: g, client_message_id: cmid(), text: "let me talk" });
      assert.equal(ack.ok, false);
      assert.equal(!ack.ok && ack.error.code, "muted_in_group");
      const rest = await stack.api.post(`/api/messages/${g}`, { text: "over REST then" }, loud.token);
      assert.deepEqual([rest.status, rest.body.error.code, rest.body.error.details], [403, "muted_in_group", { until }]);
      // Still reads, live and from history.
      const arrives = nextEvent(sl, "new_message", (p) => p.message.conversation_id === g);
      await send(sm, g, "you can read this");
      assert.equal((await arrives).message.text, "you can read this");
      assert.equal((await stack.api.get(`/api/messages/${g}/latest`, loud.token)).status, 200);
      // Leaving and joining again does not lift it.
      assert.equal((await stack.api.post(`/api/groups/${g}/leave`, {}, loud.token)).status, 200);
      assert.equal((await stack.api.post(`/api/groups/${g}/join`, {}, loud.token)).status, 200);
      assert.equal((await stack.api.post(`/api/messages/${g}`, { text: "and now?" }, loud.token)).status, 403);

      const lifted = nextEvent(sm, "group_member_muted", (p) => p.group_id === g && p.until === null);
      const unmute = await stack.api.del(`/api/groups/${g}/members/${loud.id}/mute`, owner.token);
      assert.deepEqual([unmute.status, unmute.body.until], [200, null]);
      assert.equal((await lifted).user_id, loud.id);
      assert.equal((await send(sl, g, "thank you")).message.text, "thank you");
    } finally {
      closeAll(sm, sl);
    }
  });

  it("refuses a past or malformed until, a non-member, members and outsiders, and an admin muting an admin", async () => {
    const g = await publicGroup(member);
    const soon = new Date(Date.now() + 60_000).toISOString();
    const mute = (target: string, who: TestUser, body: unknown = { until: soon }) => stack.api.put(`/api/groups/${g}/members/${target}/mute`, body, who.token);
    assert.equal((await mute(member.id, owner, { until: new Date(Date.now() - 60_000).toISOString() })).status, 400);
    assert.equal((await mute(member.id, owner, { until: "soon" })).status, 400);
    assert.equal((await mute(member.id, owner, {})).status, 400);
    assert.equal((await mute(outsider.id, owner)).status, 404, "not a member");
    assert.equal((await mute(admin.id, member)).status, 403);
    assert.equal((await mute(member.id, outsider)).status, 403);
    assert.equal((await mute(admin.id, admin)).status, 400, "yourself");
    assert.equal((await mute(owner.id, admin)).status, 400, "the owner");
    const admin2 = await buildUser(stack.api);
    assert.equal((await stack.api.post(`/api/groups/${g}/members`, { user_id: admin2.id, role: "admin" }, owner.token)).status, 200);
    assert.equal((await mute(admin2.id, admin)).status, 403);
    assert.equal((await stack.api.del(`/api/groups/${g}/members/${member.id}/mute`, member.token)).status, 403);
    assert.equal((await stack.api.post(`/api/messages/${g}`, { text: "nobody was muted" }, member.token)).status, 201);
  });
});
