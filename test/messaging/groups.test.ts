// Groups over REST: roles (owner, admin, member), public and private visibility, who may
// change what, and every /api/messages/:groupId route.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { messagePaths, stopWhenDrained } from "../support/conversations.ts";
import { buildUser, type TestUser } from "../support/factories.ts";
import { startStack, type Stack } from "../support/stack.ts";

let stack: Stack;
let owner: TestUser, admin: TestUser, member: TestUser, outsider: TestUser, extra: TestUser;
before(async () => {
  stack = await startStack({ redis: true });
  [owner, admin, member, outsider, extra] = await Promise.all([1, 2, 3, 4, 5].map(() => buildUser(stack.api))) as [TestUser, TestUser, TestUser, TestUser, TestUser];
});
after(() => stopWhenDrained(stack));

const roles = (g: { members: { user_id: string; role: string }[] }) => Object.fromEntries(g.members.map((m) => [m.user_id, m.role]));

async function privateGroup() {
  const res = await stack.api.post("/api/groups", { name: "Inner circle", is_public: false, member_ids: [member.id] }, owner.token);
  assert.equal(res.status, 201);
  const withAdmin = await stack.api.post(`/api/groups/${res.body.id}/members`, { user_id: admin.id, role: "admin" }, owner.token);
  assert.equal(withAdmin.status, 200);
  assert.equal(roles(withAdmin.body)[admin.id], "admin");
  return res.body.id as string;
}

describe("group management", () => {
  it("creates a group with the caller as owner and validates the body", async () => {
    const res = await stack.api.post("/api/groups", { group_id: "book-club", name: "Book club", description: "Reading", member_ids: [member.id] }, owner.token);
    assert.equal(res.status, 201);
    assert.equal(res.body.id, "book-club");
    assert.equal(res.body.owner_id, owner.id);
    assert.equal(res.body.is_public, true, "public by default");
    assert.deepEqual(roles(res.body), { [owner.id]: "owner", [member.id]: "member" });
    assert.equal((await stack.api.post("/api/groups", { group_id: "book-club", name: "Mine now" }, outsider.token)).status, 403, "an existing id is not the outsider's to upsert");
    assert.equal((await stack.api.get("/api/groups/book-club", owner.token)).body.name, "Book club");
    for (const [body, field] of [
      [{ name: "" }, "name"],
      [{ name: "x", group_id: "Bad Id!" }, "group_id"],
      [{ name: "x", member_ids: ["nope"] }, "member_ids"],
      [{ name: "x", member_ids: ["0123456789abcdef01234567"] }, "member_ids"],
      [{ name: "x", owner_id: outsider.id }, "owner_id"],
    ] as const) {
      const bad = await stack.api.post("/api/groups", body, owner.token);
      assert.equal(bad.status, 400, JSON.stringify(body));
      assert.match(bad.body.error.message, new RegExp(field));
    }
  });

  it("only the owner and admins edit a group or add members; only the owner deletes it", async () => {
    const g = await privateGroup();
    assert.equal((await stack.api.put(`/api/groups/${g}`, { name: "By member" }, member.token)).status, 403);
    assert.equal((await stack.api.put(`/api/groups/${g}`, { name: "By outsider" }, outsider.token)).status, 404);
    const renamed = await stack.api.put(`/api/groups/${g}`, { name: "By admin", description: "new" }, admin.token);
    assert.equal(renamed.status, 200);
    assert.equal(renamed.body.name, "By admin");
    assert.equal(renamed.body.is_public, false, "a partial update leaves the rest alone");
    assert.equal((await stack.api.put(`/api/groups/${g}`, { owner_id: member.id }, owner.token)).status, 400);

    assert.equal((await stack.api.post(`/api/groups/${g}/members`, { user_id: extra.id }, member.token)).status, 403);
    assert.equal((await stack.api.post(`/api/groups/${g}/members`, { user_id: extra.id, role: "owner" }, admin.token)).status, 400);
    const added = await stack.api.post(`/api/groups/${g}/members`, { user_id: extra.id }, admin.token);
    assert.equal(added.status, 200);
    assert.equal(roles(added.body)[extra.id], "member");
    assert.equal((await stack.api.get(`/api/groups/${g}`, extra.token)).status, 200, "an invited member sees the private group");
    assert.equal((await stack.api.post(`/api/groups/${g}/members`, { user_id: extra.id }, admin.token)).status, 400, "already a member");
    assert.equal((await stack.api.post(`/api/groups/${g}/members`, { user_id: "0123456789abcdef01234567" }, admin.token)).status, 400);

    assert.equal((await stack.api.del(`/api/groups/${g}`, admin.token)).status, 403);
    assert.equal((await stack.api.del(`/api/groups/${g}`, member.token)).status, 403);
    assert.equal((await stack.api.del(`/api/groups/${g}`, outsider.token)).status, 404);
    assert.equal((await stack.api.del(`/api/groups/${g}`, owner.token)).status, 204);
    assert.equal((await stack.api.get(`/api/groups/${g}`, owner.token)).status, 404);
  });

  it("only the owner changes roles", async () => {
    const g = await privateGroup();
    assert.equal((await stack.api.put(`/api/groups/${g}/members/${member.id}`, { role: "admin" }, admin.token)).status, 403, "admins do not hand out roles");
    assert.equal((await stack.api.put(`/api/groups/${g}/members/${owner.id}`, { role: "member" }, owner.token)).status, 400);
    assert.equal((await stack.api.put(`/api/groups/${g}/members/${outsider.id}`, { role: "admin" }, owner.token)).status, 404);
    const promoted = await stack.api.put(`/api/groups/${g}/members/${member.id}`, { role: "admin" }, owner.token);
    assert.equal(promoted.status, 200);
    assert.equal(roles(promoted.body)[member.id], "admin");
    const demoted = await stack.api.put(`/api/groups/${g}/members/${member.id}`, { role: "member" }, owner.token);
    assert.equal(roles(demoted.body)[member.id], "member");
  });

  it("admins remove members (not admins, not the owner); anyone but the owner may leave", async () => {
    const g = await privateGroup();
    await stack.api.post(`/api/groups/${g}/members`, { user_id: extra.id }, owner.token);
    assert.equal((await stack.api.del(`/api/groups/${g}/members/${extra.id}`, member.token)).status, 403);
    assert.equal((await stack.api.del(`/api/groups/${g}/members/${owner.id}`, admin.token)).status, 400);
    assert.equal((await stack.api.del(`/api/groups/${g}/members/${outsider.id}`, admin.token)).status, 404);
    const removed = await stack.api.del(`/api/groups/${g}/members/${extra.id}`, admin.token);
    assert.equal(removed.status, 200);
    assert.equal(roles(removed.body)[extra.id], undefined, "the response no longer lists the removed member");
    assert.equal(roles((await stack.api.get(`/api/groups/${g}`, owner.token)).body)[extra.id], undefined, "nor does the stored group");
    assert.equal((await stack.api.get(`/api/groups/${g}`, extra.token)).status, 404, "a removed member no longer sees a private group");
    assert.equal((await stack.api.get(messagePaths("group", g).latest(), extra.token)).status, 404, "nor reads it");

    // An admin may not remove another admin; the owner may.
    await stack.api.post(`/api/groups/${g}/members`, { user_id: extra.id, role: "admin" }, owner.token);
    assert.equal((await stack.api.del(`/api/groups/${g}/members/${extra.id}`, admin.token)).status, 403);
    assert.equal((await stack.api.del(`/api/groups/${g}/members/${extra.id}`, owner.token)).status, 200);
    const left = await stack.api.post(`/api/groups/${g}/leave`, {}, member.token);
    assert.equal(left.status, 200);
    assert.equal(roles(left.body)[member.id], undefined);
    assert.equal((await stack.api.post(`/api/groups/${g}/leave`, {}, owner.token)).status, 400, "the owner cannot leave");
  });

  it("private groups are invisible to outsiders and joinable only by invitation", async () => {
    const g = await privateGroup();
    assert.equal((await stack.api.get(`/api/groups/${g}`, outsider.token)).status, 404);
    assert.equal((await stack.api.post(`/api/groups/${g}/join`, {}, outsider.token)).status, 404);
    const listed = await stack.api.get("/api/groups", outsider.token);
    assert.ok(!listed.body.groups.some((x: { id: string }) => x.id === g));
    const mine = await stack.api.get("/api/groups?mine=true", member.token);
    const entry = mine.body.groups.find((x: { id: string }) => x.id === g);
    assert.equal(entry.is_member, true);
    assert.equal(entry.unread_count, 0);
  });

  it("public groups are listed to everyone, readable only after joining", async () => {
    const created = await stack.api.post("/api/groups", { name: "Open house", is_public: true }, owner.token);
    const g = created.body.id as string;
    const paths = messagePaths("group", g);
    assert.equal((await stack.api.post(paths.post, { text: "welcome" }, owner.token)).status, 201);
    const listed = (await stack.api.get("/api/groups", outsider.token)).body.groups.find((x: { id: string }) => x.id === g);
    assert.equal(listed.is_member, false);
    assert.equal((await stack.api.get(`/api/groups/${g}`, outsider.token)).status, 200);
    assert.equal((await stack.api.get(paths.latest(), outsider.token)).status, 403);
    assert.equal((await stack.api.get(paths.history(), outsider.token)).status, 403);
    assert.equal((await stack.api.post(paths.post, { text: "hi" }, outsider.token)).status, 403);

    const joined = await stack.api.post(`/api/groups/${g}/join`, {}, outsider.token);
    assert.equal(joined.status, 200);
    assert.equal(roles(joined.body)[outsider.id], "member");
    const latest = await stack.api.get(paths.latest(), outsider.token);
    assert.equal(latest.status, 200);
    assert.deepEqual(latest.body.messages.map((m: { text: string }) => m.text), ["welcome"]);
    assert.equal((await stack.api.post(paths.post, { text: "hi all" }, outsider.token)).status, 201);
  });

  it("re-posting an existing group_id updates it (200) and keeps what the body does not name", async () => {
    const g = await privateGroup();
    const res = await stack.api.post("/api/groups", { group_id: g, name: "Renamed by upsert" }, owner.token);
    assert.equal(res.body.name, "Renamed by upsert");
    assert.equal(res.body.is_public, false, "an upsert that does not mention is_public must not make a private group public");
    assert.equal((await stack.api.get(`/api/groups/${g}`, outsider.token)).status, 404);
    assert.equal(res.status, 200, "an update is not a creation");
  });
});

describe("group message routes", () => {
  it("latest, post, edit, delete, reactions, by-id, by-ts, history and read all work for members", async () => {
    const g = await privateGroup();
    const p = messagePaths("group", g);
    const first = await stack.api.post(p.post, { text: "first" }, member.token);
    assert.equal(first.status, 201);
    const second = await stack.api.post(p.post, { text: "second" }, owner.token);
    const m = first.body;

    const edited = await stack.api.put(p.item(m.id), { text: "first, edited" }, member.token);
    assert.equal(edited.status, 200);
    assert.equal(edited.body.text, "first, edited");
    const reacted = await stack.api.post(p.reactions(m.id), { emoji: "👍" }, admin.token);
    assert.equal(reacted.status, 200);
    assert.deepEqual(reacted.body.summary, { "👍": 1 });
    assert.equal((await stack.api.get(p.byId(m.id), admin.token)).body.text, "first, edited");
    const byTs = await stack.api.get(p.byTs(second.body.created_at), member.token);
    assert.equal(byTs.status, 200);
    assert.equal(byTs.body.id, second.body.id);
    assert.equal((await stack.api.get(p.byTs("2001-01-01T00:00:00.000Z"), member.token)).status, 404);
    assert.equal((await stack.api.get(p.byTs("not-a-time"), member.token)).status, 400);
    assert.deepEqual((await stack.api.get(p.history({ after_seq: 1 }), member.token)).body.messages.map((x: { id: string }) => x.id), [second.body.id]);
    assert.deepEqual((await stack.api.get(p.latest(1), member.token)).body.messages.map((x: { id: string }) => x.id), [second.body.id]);

    // An admin may delete someone else's message; a plain member may not.
    assert.equal((await stack.api.del(p.item(second.body.id), member.token)).status, 403);
    const deleted = await stack.api.del(p.item(m.id), admin.token);
    assert.equal(deleted.status, 200);
    assert.equal(deleted.body.deleted, true);

    const read = await stack.api.post(p.read, { seq: 2 }, member.token);
    assert.deepEqual(read.body, { chat_id: g, seq: 2 });
    assert.equal((await stack.api.post(p.read, { seq: 3 }, member.token)).status, 400, "beyond the newest message");
    assert.equal((await stack.api.get(p.byId("0123456789abcdef01234567"), member.token)).status, 404);
    assert.equal((await stack.api.get(p.byId("nope"), member.token)).status, 400);
  });
});
