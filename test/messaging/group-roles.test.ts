// One rule for making admins, whichever route is used: only the owner does it.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { buildGroup, buildUser } from "../support/factories.ts";
import { startStack, type Stack } from "../support/stack.ts";

let stack: Stack;
before(async () => {
  stack = await startStack();
});
after(() => stack.stop());

describe("who makes admins", () => {
  it("an admin can add members but not admins, through POST members as through PUT members/:id", async () => {
    const [owner, admin, newcomer, member] = [await buildUser(stack.api), await buildUser(stack.api), await buildUser(stack.api), await buildUser(stack.api)];
    const g = await buildGroup(stack.api, owner, [admin, member]);
    assert.equal((await stack.api.put(`/api/groups/${g}/members/${admin.id}`, { role: "admin" }, owner.token)).status, 200);

    const asAdmin = await stack.api.post(`/api/groups/${g}/members`, { user_id: newcomer.id, role: "admin" }, admin.token);
    assert.equal(asAdmin.status, 403, JSON.stringify(asAdmin.body));
    assert.equal((await stack.api.put(`/api/groups/${g}/members/${member.id}`, { role: "admin" }, admin.token)).status, 403);
    assert.equal((await stack.api.post(`/api/groups/${g}/members`, { user_id: newcomer.id, role: "member" }, admin.token)).status, 200);

    const roles = new Map(((await stack.api.get(`/api/groups/${g}`, owner.token)).body.members as { user_id: string; role: string }[]).map((m) => [m.user_id, m.role]));
    assert.equal(roles.get(newcomer.id), "member");
    assert.equal(roles.get(member.id), "member");
  });
});
