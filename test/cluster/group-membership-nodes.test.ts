// A membership change made through one node holds on the other at once, for both Redis
// adapters: a removed member can neither post nor read through the other node, a deleted
// group is gone there, a role granted there counts, and a newly added member's new socket
// on the other node joins the group's room.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { nextEvent, requestError } from "../support/clients.ts";
import { connectReady, messagePaths, send } from "../support/conversations.ts";
import { buildGroup, buildUser } from "../support/factories.ts";
import { api } from "../support/http.ts";
import { useTwoNodes } from "../support/two-nodes.ts";

for (const adapter of ["streams", "pubsub"] as const) {
  describe(`group membership across two nodes, ${adapter} adapter`, () => {
    const nodes = useTwoNodes(adapter);

    it("a member removed through node A can no longer post or read through node B", async () => {
      const [rest1, rest2] = [api(nodes.n1.url), api(nodes.n2.url)];
      const [owner, member, other] = [await buildUser(rest1), await buildUser(rest1), await buildUser(rest1)];
      const g = await buildGroup(rest1, owner, [member, other]);
      const paths = messagePaths("group", g);
      const sm = await connectReady(nodes.n2.url, "groups", member.token);
      try {
        await send(sm, g, "while still a member"); // node B now has the group cached
        assert.equal((await rest2.get(paths.latest(), member.token)).status, 200);

        assert.equal((await rest1.del(`/api/groups/${g}/members/${member.id}`, owner.token)).status, 200);
        await requestError(sm, "send_message", { chat_id: g, client_message_id: "after-removal", text: "still here?" }, 5000); // the socket on node B may not post
        assert.equal((await rest2.post(paths.post, { text: "still here?" }, member.token)).status, 404, "a private group is invisible to non-members");
        assert.equal((await rest2.get(paths.latest(), member.token)).status, 404, "nor read");
        assert.equal((await rest2.post(paths.post, { text: "still a member" }, other.token)).status, 201, "the others still post");
      } finally {
        sm.close();
      }
    });

    it("a group deleted through node A is gone on node B", async () => {
      const [rest1, rest2] = [api(nodes.n1.url), api(nodes.n2.url)];
      const [owner, member] = [await buildUser(rest1), await buildUser(rest1)];
      const g = await buildGroup(rest1, owner, [member]);
      const paths = messagePaths("group", g);
      assert.equal((await rest2.post(paths.post, { text: "warms node B" }, member.token)).status, 201);
      assert.equal((await rest1.del(`/api/groups/${g}`, owner.token)).status, 204);
      assert.equal((await rest2.post(paths.post, { text: "into the void" }, member.token)).status, 404);
      assert.equal((await rest2.post(paths.post, { text: "into the void" }, owner.token)).status, 404);
    });

    it("a role granted through node A counts on node B at once", async () => {
      const [rest1, rest2] = [api(nodes.n1.url), api(nodes.n2.url)];
      const [owner, member, author] = [await buildUser(rest1), await buildUser(rest1), await buildUser(rest1)];
      const g = await buildGroup(rest1, owner, [member, author]);
      const paths = messagePaths("group", g);
      const m1 = (await rest2.post(paths.post, { text: "one" }, author.token)).body;
      const m2 = (await rest2.post(paths.post, { text: "two" }, author.token)).body;
      assert.equal((await rest2.del(paths.item(m1.id), member.token)).status, 403, "a member may not delete another's message");
      assert.equal((await rest1.put(`/api/groups/${g}/members/${member.id}`, { role: "admin" }, owner.token)).status, 200);
      assert.equal((await rest2.del(paths.item(m2.id), member.token)).status, 200, "an admin may");
    });

    it("a member added through node A gets the group's messages on a new socket on node B", async () => {
      const rest1 = api(nodes.n1.url);
      const [owner, member, newcomer] = [await buildUser(rest1), await buildUser(rest1), await buildUser(rest1)];
      const g = await buildGroup(rest1, owner, [member]);
      // Node B learns the newcomer's (empty) group list from a first socket.
      const first = await connectReady(nodes.n2.url, "groups", newcomer.token);
      first.close();
      assert.equal((await rest1.post(`/api/groups/${g}/members`, { user_id: newcomer.id }, owner.token)).status, 200);
      const sn = await connectReady(nodes.n2.url, "groups", newcomer.token);
      try {
        const arrives = nextEvent(sn, "new_message", (p) => p.message.conversation_id === g, 5000);
        assert.equal((await rest1.post(messagePaths("group", g).post, { text: "welcome" }, member.token)).status, 201);
        assert.equal((await arrives).message.text, "welcome");
      } finally {
        sn.close();
      }
    });
  });
}
