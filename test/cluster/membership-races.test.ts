// Membership changes that race each other, through both nodes at once: each join, leave
// and removal is its own atomic write (one member record each), so none is lost, and the
// live messages of the group reach exactly its members afterwards. And a revocation made
// on one node reaches the session's sockets on the other.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { collect, nextEvent, type ChatClient } from "../support/clients.ts";
import { closeAll, connectReady, flush, messagePaths } from "../support/conversations.ts";
import { buildGroup, buildUser, type TestUser } from "../support/factories.ts";
import { api, type Api } from "../support/http.ts";
import { useTwoNodes } from "../support/two-nodes.ts";
import { waitFor } from "../support/wait.ts";

describe("membership races across two nodes", () => {
  const nodes = useTwoNodes("streams");
  const rests = (): [Api, Api] => [api(nodes.n1.url), api(nodes.n2.url)];
  const urlOf = (i: number) => (i % 2 ? nodes.n2.url : nodes.n1.url);

  /** Sockets on alternating nodes, and what each of them hears of the group's messages. */
  async function listen(users: TestUser[]) {
    const sockets: ChatClient[] = [];
    for (const [i, u] of users.entries()) sockets.push(await connectReady(urlOf(i), "groups", u.token));
    return { sockets, heard: sockets.map((s) => collect(s, "new_message")) };
  }

  async function memberIds(rest: Api, owner: TestUser, g: string) {
    const res = await rest.get(`/api/groups/${g}`, owner.token);
    assert.equal(res.status, 200);
    return new Set((res.body.members as { user_id: string }[]).map((m) => m.user_id));
  }

  it("20 simultaneous joins of a public group, through both nodes: all 20 stored, all 20 hear the next message", async () => {
    const [r1, r2] = rests();
    const owner = await buildUser(r1);
    const joiners = await Promise.all(Array.from({ length: 20 }, () => buildUser(r1)));
    const g = await buildGroup(r1, owner, [], { is_public: true });
    const { sockets, heard } = await listen(joiners);
    try {
      const results = await Promise.all(joiners.map((u, i) => (i % 2 ? r2 : r1).post(`/api/groups/${g}/join`, {}, u.token)));
      assert.deepEqual(results.map((r) => r.status), joiners.map(() => 200));
      const ids = await memberIds(r2, owner, g);
      assert.equal(ids.size, 21, "the owner and the 20 joiners");
      for (const u of joiners) assert.ok(ids.has(u.id), `${u.username} is a member`);
      assert.equal((await r1.post(messagePaths("group", g).post, { text: "welcome all" }, owner.token)).status, 201);
      await waitFor(() => heard.every((h) => h.some((p) => p.message.text === "welcome all")), "every joiner to hear the message", 5000);
      await flush(nodes.n1.app, ...sockets); // a second copy from node 1 would be in by now
      for (const [i, h] of heard.entries()) assert.equal(h.filter((p) => p.message.text === "welcome all").length, 1, `joiner ${i} heard it once`);
    } finally {
      closeAll(...sockets);
    }
  });

  for (const run of [1, 2, 3]) {
    it(`the owner removes X while adding 5 people at once (run ${run}): X is out for good, the 5 are in`, async () => {
      const [r1, r2] = rests();
      const [owner, x] = [await buildUser(r1), await buildUser(r1)];
      const added = await Promise.all(Array.from({ length: 5 }, () => buildUser(r1)));
      const g = await buildGroup(r1, owner, [x], { is_public: false });
      const { sockets, heard } = await listen([x, ...added]);
      try {
        const results = await Promise.all([
          r2.del(`/api/groups/${g}/members/${x.id}`, owner.token),
          ...added.map((u, i) => (i % 2 ? r1 : r2).post(`/api/groups/${g}/members`, { user_id: u.id }, owner.token)),
        ]);
        assert.deepEqual(results.map((r) => r.status), results.map(() => 200));
        const ids = await memberIds(r1, owner, g);
        assert.equal(ids.has(x.id), false, "X was removed");
        for (const u of added) assert.ok(ids.has(u.id), `${u.username} was added`);
        assert.equal(ids.size, 6);
        for (const rest of [r1, r2]) assert.equal((await rest.get(messagePaths("group", g).latest(), x.token)).status, 404, "X cannot read the private group");
        assert.equal((await r2.post(messagePaths("group", g).post, { text: `after run ${run}` }, owner.token)).status, 201);
        await waitFor(() => heard.slice(1).every((h) => h.some((p) => p.message.text === `after run ${run}`)), "every added member to hear the message", 5000);
        // It reached the members on both nodes: a copy node 2 wrongly sent X (or a second copy) is in by now.
        await flush(nodes.n2.app, ...sockets);
        assert.equal(heard[0]!.length, 0, "X's socket hears nothing more");
        for (const [i, h] of heard.slice(1).entries()) assert.equal(h.filter((p) => p.message.text === `after run ${run}`).length, 1, `added member ${i} heard it`);
      } finally {
        closeAll(...sockets);
      }
    });
  }

  it("concurrent leaves and role changes: every leaver is out, every promotion holds", async () => {
    const [r1, r2] = rests();
    const owner = await buildUser(r1);
    const members = await Promise.all(Array.from({ length: 10 }, () => buildUser(r1)));
    const g = await buildGroup(r1, owner, members, { is_public: false });
    const [leavers, promoted] = [members.slice(0, 5), members.slice(5)];
    const results = await Promise.all([
      ...leavers.map((u, i) => (i % 2 ? r1 : r2).post(`/api/groups/${g}/leave`, {}, u.token)),
      ...promoted.map((u, i) => (i % 2 ? r2 : r1).put(`/api/groups/${g}/members/${u.id}`, { role: "admin" }, owner.token)),
    ]);
    assert.deepEqual(results.map((r) => r.status), results.map(() => 200));
    const res = await r2.get(`/api/groups/${g}`, owner.token);
    const roles = new Map((res.body.members as { user_id: string; role: string }[]).map((m) => [m.user_id, m.role]));
    for (const u of leavers) assert.equal(roles.has(u.id), false);
    for (const u of promoted) assert.equal(roles.get(u.id), "admin");
    assert.equal(roles.size, 6);
  });

  it("a logout through node A ends the session's sockets on node B at once", async () => {
    const [r1] = rests();
    const u = await buildUser(r1);
    const onB = await connectReady(nodes.n2.url, "dm", u.token);
    try {
      const ended = nextEvent(onB, "session_ended");
      const gone = new Promise<string>((resolve) => onB.once("disconnect", resolve));
      assert.equal((await r1.post("/api/auth/logout", {}, u.token)).status, 204);
      assert.deepEqual(await ended, { reason: "session_revoked" });
      assert.equal(await gone, "io server disconnect");
      const me = await api(nodes.n2.url).get("/api/users/me", u.token);
      assert.equal(me.status, 401, "node B's REST refuses the revoked token too");
    } finally {
      onB.close();
    }
  });
});

