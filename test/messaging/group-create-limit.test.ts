// A group can be created with up to MAX_MEMBERS_AT_CREATION members in one call (adding
// them one by one afterwards rewrites and announces the whole list per call), and such a
// request fits the default body limit. A group created with more than the old 500 works end
// to end: every member is in it, and a member's socket gets its messages.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { newId } from "../../src/shared/ids.ts";
import { nextEvent } from "../support/clients.ts";
import { connectReady, messagePaths } from "../support/conversations.ts";
import { buildUser } from "../support/factories.ts";
import { startStack } from "../support/stack.ts";
import { parseConfig } from "../../src/config.ts";
import { MAX_MEMBERS_AT_CREATION, UpsertGroupBody } from "../../src/groups/group.schemas.ts";
import { testEnv } from "../support/server.ts";

const ids = (n: number) => Array.from({ length: n }, (_, i) => i.toString(16).padStart(24, "0"));

describe("group creation size", () => {
  it("accepts a few thousand member ids, and no more than the limit", () => {
    assert.ok(MAX_MEMBERS_AT_CREATION >= 2000);
    assert.equal(UpsertGroupBody.safeParse({ name: "Big", member_ids: ids(MAX_MEMBERS_AT_CREATION) }).success, true);
    assert.equal(UpsertGroupBody.safeParse({ name: "Too big", member_ids: ids(MAX_MEMBERS_AT_CREATION + 1) }).success, false);
  });

  it("a body at the limit fits the default request body limit", () => {
    const body = JSON.stringify({ group_id: "x".repeat(64), name: "n".repeat(100), description: "d".repeat(1000), member_ids: ids(MAX_MEMBERS_AT_CREATION) });
    assert.ok(Buffer.byteLength(body) < parseConfig(testEnv()).http.bodyLimitBytes);
  });
});

describe("a group created with more than 500 members", () => {
  it("is created in one call, and its members read and receive its messages", async () => {
    const stack = await startStack();
    try {
      const [owner, last] = [await buildUser(stack.api), await buildUser(stack.api)];
      // Registering 700 users through the API would take most of a minute; the users only need to exist.
      const others = Array.from({ length: 700 }, (_, i) => ({
        id: newId(),
        phone: `+1555${String(i).padStart(7, "0")}`,
        username: `bulk_${i}`,
        display_name: `Bulk ${i}`,
        password_hash: "x",
        email: null,
      }));
      const { users } = stack.server.app.services.storage;
      for (const u of others) await users.create(u);
      const memberIds = [...others.map((u) => u.id), last.id];
      const res = await stack.api.post("/api/groups", { name: "Crowd", is_public: false, member_ids: memberIds }, owner.token);
      assert.equal(res.status, 201, JSON.stringify(res.body).slice(0, 300));
      assert.equal(res.body.members.length, 702);
      const g = res.body.id as string;
      const socket = await connectReady(stack.url, "groups", last.token);
      try {
        const arrives = nextEvent(socket, "new_message", (p) => p.message.conversation_id === g);
        assert.equal((await stack.api.post(messagePaths("group", g).post, { text: "hello crowd" }, owner.token)).status, 201);
        assert.equal((await arrives).message.text, "hello crowd");
        assert.equal((await stack.api.get(messagePaths("group", g).latest(), last.token)).status, 200);
      } finally {
        socket.close();
      }
    } finally {
      await stack.stop();
    }
  });
});
