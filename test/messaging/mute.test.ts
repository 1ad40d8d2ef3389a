// Muting over REST, for every conversation kind: until a time, for good, unmute; what the
// lists, GET /api/unread and the member's sockets show; a muted conversation still counts its
// unread messages; bodies that are refused, and callers that are.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { buildConversation, connectReady, KINDS, post, stopWhenDrained, type Conversation } from "../support/conversations.ts";
import { buildUser } from "../support/factories.ts";
import { startStack, type Stack } from "../support/stack.ts";
import { mutePath, nextUnread, unreadSummary } from "../support/unread.ts";

const FOREVER = "9999-12-31T23:59:59.999Z";

let stack: Stack;
before(async () => {
  stack = await startStack();
});
after(() => stopWhenDrained(stack));

/** The conversation's entry in the list its kind has, as the member sees it. */
async function listed(c: Conversation, token: string): Promise<{ unread_count: number; muted_until: string | null; unread_total: number }> {
  if (c.kind === "couple") {
    const body = (await stack.api.get("/api/chats", token)).body;
    return { ...body.chats[0], unread_total: body.unread_total };
  }
  if (c.kind === "group") {
    const body = (await stack.api.get("/api/groups?mine=true", token)).body;
    return { ...body.groups.find((g: { id: string }) => g.id === c.id), unread_total: body.unread_total };
  }
  const body = (await stack.api.get("/api/dm/threads", token)).body;
  return { ...body.threads.find((t: { dm_id: string }) => t.dm_id === c.id), unread_total: body.unread_total };
}

for (const kind of KINDS) {
  describe(`mute: ${kind}`, () => {
    let c: Conversation;
    let path: string;
    before(async () => {
      c = await buildConversation(stack.api, kind);
      await post(stack.api, c, c.a, "first"); // a DM exists from its first message
      path = mutePath(kind, c.id);
    });

    it("until a time, for good, unmute: the answer, the lists, GET /api/unread and the member's sockets agree", async () => {
      const socket = await connectReady(stack.url, c.ns, c.b.token);
      const until = new Date(Date.now() + 2 * 3600_000).toISOString();
      const heard = nextUnread(socket, c.id, (u) => u.muted_until === until);
      const muted = await stack.api.put(path, { until }, c.b.token);
      assert.deepEqual([muted.status, muted.body], [200, { conversation_id: c.id, muted_until: until }]);
      assert.equal((await heard).unread_count, 1);
      assert.deepEqual([(await listed(c, c.b.token)).muted_until, (await listed(c, c.a.token)).muted_until], [until, null], "a mute is the member's own");
      assert.equal((await unreadSummary(stack.api, c.b.token)).conversations.find((s) => s.conversation_id === c.id)?.muted_until, until);

      const forever = await stack.api.put(path, { forever: true }, c.b.token);
      assert.deepEqual(forever.body, { conversation_id: c.id, muted_until: FOREVER });
      // Muted conversations still count.
      const counted = nextUnread(socket, c.id, (u) => u.unread_count === 2);
      await post(stack.api, c, c.a, "second");
      assert.deepEqual([(await counted).muted_until, (await counted).total_unread], [FOREVER, 2]);
      assert.deepEqual([(await listed(c, c.b.token)).unread_count, (await listed(c, c.b.token)).unread_total], [2, 2]);

      const unmuted = nextUnread(socket, c.id, (u) => u.muted_until === null);
      const res = await stack.api.del(path, c.b.token);
      assert.deepEqual([res.status, res.body], [200, { conversation_id: c.id, muted_until: null }]);
      await unmuted;
      assert.equal((await stack.api.del(path, c.b.token)).status, 200, "unmuting twice is harmless");
      assert.equal((await listed(c, c.b.token)).muted_until, null);
      socket.close();
    });

    it("refuses bodies that are not {until: <future date-time>} or {forever: true}", async () => {
      const past = new Date(Date.now() - 60_000).toISOString();
      for (const [body, field] of [
        [{}, "body"],
        [{ until: "tomorrow" }, "until"],
        [{ until: "2030-02-30T00:00:00Z" }, "until"],
        [{ until: past }, "until: must be in the future"],
        [{ forever: false }, "body"],
        [{ forever: true, until: "2099-01-01T00:00:00Z" }, "body"],
        [{ forever: true, extra: 1 }, "body"],
      ] as const) {
        const res = await stack.api.put(path, body, c.b.token);
        assert.equal(res.status, 400, JSON.stringify(body));
        assert.equal(res.body.error.code, "validation_error");
        assert.match(res.body.error.message, new RegExp(field.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")), JSON.stringify(body));
      }
      assert.equal((await stack.api.call("PUT", path, { token: c.b.token })).status, 400, "no body");
      assert.equal((await stack.api.put(path, { forever: true }, undefined)).status, 401);
    });

    it("refuses those outside the conversation", async () => {
      const expected = kind === "dm" ? 403 : 404;
      assert.equal((await stack.api.put(path, { forever: true }, c.outsider.token)).status, expected);
      assert.equal((await stack.api.del(path, c.outsider.token)).status, expected);
    });
  });
}

describe("mute: a DM before its first message", () => {
  it("is not there to mute yet (404)", async () => {
    const [a, b] = [await buildUser(stack.api), await buildUser(stack.api)];
    const dmId = `dm:${[a.username, b.username].sort().join("|")}`;
    assert.equal((await stack.api.put(mutePath("dm", dmId), { forever: true }, a.token)).status, 404);
  });
});
