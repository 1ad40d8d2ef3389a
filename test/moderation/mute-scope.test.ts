// A muted group member cannot post in any form (issue 15): besides sending, editing and
// reacting are refused with muted_in_group on REST and on the socket, and start_typing is
// refused too (so nobody sees them typing); deleting their own message stays allowed. And who
// is muted until when is readable: GET /api/groups/:id/mutes lists every mute for the owner
// and admins, only their own for a plain member, and refuses outsiders (403 public, 404 private).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { request } from "../support/clients.ts";
import { closeAll, connectReady, flush, messagePaths, post, record, send } from "../support/conversations.ts";
import { buildGroup, buildUser, type TestUser } from "../support/factories.ts";
import { startStack, type Stack } from "../support/stack.ts";

let stack: Stack;
let owner: TestUser, admin: TestUser, member: TestUser, outsider: TestUser;
before(async () => {
  stack = await startStack();
  [owner, admin, member, outsider] = await Promise.all([buildUser(stack.api), buildUser(stack.api), buildUser(stack.api), buildUser(stack.api)]);
});
after(() => stack.stop());

async function groupWith(loud: TestUser, opts: { is_public?: boolean } = { is_public: true }) {
  const g = await buildGroup(stack.api, owner, [admin, member, loud], opts);
  assert.equal((await stack.api.put(`/api/groups/${g}/members/${admin.id}`, { role: "admin" }, owner.token)).status, 200);
  return g;
}
const mute = (g: string, who: TestUser, until: string) => stack.api.put(`/api/groups/${g}/members/${who.id}/mute`, { until }, admin.token);

describe("a muted member", () => {
  it("cannot edit, react or type on the socket or over REST, but still deletes their own message", async () => {
    const loud = await buildUser(stack.api);
    const g = await groupWith(loud);
    const paths = messagePaths("group", g);
    const own = await post(stack.api, { paths }, loud, "said before the mute");
    const other = await post(stack.api, { paths }, member, "a message to react to");
    const until = new Date(Date.now() + 3600_000).toISOString();
    assert.equal((await mute(g, loud, until)).status, 200);

    const [sl, sm] = await Promise.all([connectReady(stack.url, "groups", loud.token), connectReady(stack.url, "groups", member.token)]);
    try {
      const typing = record(sm, "typing_indicator");
      const acks = {
        edit: await request(sl, "edit_message", { chat_id: g, message_id: own.id, text: "changed my mind" }),
        react: await request(sl, "toggle_reaction", { chat_id: g, message_id: other.id, emoji: "👍" }),
        typing: await request(sl, "start_typing", { chat_id: g }),
      };
      for (const [what, ack] of Object.entries(acks)) {
        assert.equal(ack.ok, false, `${what} was accepted`);
        assert.equal(!ack.ok && ack.error.code, "muted_in_group", what);
      }
      const edit = await stack.api.put(paths.item(own.id), { text: "over REST then" }, loud.token);
      assert.deepEqual([edit.status, edit.body.error.code, edit.body.error.details], [403, "muted_in_group", { until }]);
      const react = await stack.api.post(paths.reactions(other.id), { emoji: "👍" }, loud.token);
      assert.deepEqual([react.status, react.body.error.code], [403, "muted_in_group"]);

      // Nothing of it reached the others: no typing, no reaction, the text unchanged.
      await send(sm, g, "a barrier message");
      await flush(stack.server.app, sm);
      assert.deepEqual(typing.seen, []);
      const seen = (await stack.api.get(paths.byId(other.id), member.token)).body;
      assert.deepEqual(seen.reactions, {});
      assert.equal((await stack.api.get(paths.byId(own.id), member.token)).body.text, "said before the mute");
      typing.stop();

      // Taking back what one said is never refused.
      const del = await request(sl, "delete_message", { chat_id: g, message_id: own.id });
      assert.ok(del.ok && del.message.deleted);
      const second = await post(stack.api, { paths }, member, "another");
      assert.equal((await stack.api.del(paths.item(second.id), loud.token)).status, 403, "not someone else's");
    } finally {
      closeAll(sl, sm);
    }

    // Unmuted: all of it works again.
    assert.equal((await stack.api.del(`/api/groups/${g}/members/${loud.id}/mute`, owner.token)).status, 200);
    assert.equal((await stack.api.post(paths.reactions(other.id), { emoji: "👍" }, loud.token)).status, 200);
  });
});

describe("GET /api/groups/:id/mutes", () => {
  it("lists every mute in force for the owner and admins, their own for a member, and refuses outsiders", async () => {
    const [loud, quiet] = [await buildUser(stack.api), await buildUser(stack.api)];
    const g = await groupWith(loud);
    assert.equal((await stack.api.post(`/api/groups/${g}/members`, { user_id: quiet.id }, owner.token)).status, 200);
    const soon = new Date(Date.now() + 600_000).toISOString();
    const later = new Date(Date.now() + 7200_000).toISOString();
    assert.equal((await mute(g, loud, later)).status, 200);
    assert.equal((await mute(g, quiet, soon)).status, 200);

    for (const who of [owner, admin]) {
      const res = await stack.api.get(`/api/groups/${g}/mutes`, who.token);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.deepEqual(res.body.mutes.map((m: any) => [m.user_id, m.until, m.muted_by]), [[quiet.id, soon, admin.id], [loud.id, later, admin.id]], "soonest end first");
    }
    const own = await stack.api.get(`/api/groups/${g}/mutes`, loud.token);
    assert.deepEqual([own.status, own.body.mutes.map((m: any) => [m.group_id, m.user_id, m.until])], [200, [[g, loud.id, later]]], "a muted member sees their own state only");
    const none = await stack.api.get(`/api/groups/${g}/mutes`, member.token);
    assert.deepEqual([none.status, none.body.mutes], [200, []], "a member not muted sees nothing");

    // Lifted: gone from the list.
    assert.equal((await stack.api.del(`/api/groups/${g}/members/${quiet.id}/mute`, owner.token)).status, 200);
    assert.deepEqual((await stack.api.get(`/api/groups/${g}/mutes`, owner.token)).body.mutes.map((m: any) => m.user_id), [loud.id]);

    const priv = await groupWith(await buildUser(stack.api), { is_public: false });
    const refused = [
      [`/api/groups/${g}/mutes`, 403],
      [`/api/groups/${priv}/mutes`, 404],
      [`/api/groups/${"0".repeat(24)}/mutes`, 404],
      ["/api/groups/Not%20An%20Id/mutes", 400],
    ] as const;
    for (const [path, status] of refused) assert.equal((await stack.api.get(path, outsider.token)).status, status, path);
    assert.equal((await stack.api.get(`/api/groups/${g}/mutes`)).status, 401);

    const doc = (await stack.api.get("/api/openapi.json")).body;
    assert.ok(doc.paths["/api/groups/{groupId}/mutes"]?.get, "in the OpenAPI document");
  });
});
