// The group service on real SQLite, without sockets: membership through services.groups,
// the room joins and leaves it asks the fanout for, and who may change what.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startServiceWorld, type ServiceWorld, type WorldUser } from "../support/service-world.ts";

describe("group service", () => {
  let w: ServiceWorld, owner: WorldUser, m1: WorldUser, m2: WorldUser, m3: WorldUser, groupId: string, room: string;
  const rolesOf = (members: { user_id: string; role: string }[]) => Object.fromEntries(members.map((m) => [m.user_id, m.role]));

  before(async () => {
    w = await startServiceWorld();
    [owner, m1, m2, m3] = [await w.user(), await w.user(), await w.user(), await w.user()];
  });
  after(() => w.close());

  it("creates a group with the creator as owner, joins every member's sockets to its room and announces it", async () => {
    w.fanout.clear();
    const { group, created } = await w.services.groups.upsert(owner.id, { name: "Climbing", is_public: false, member_ids: [m1.id] });
    assert.equal(created, true);
    ({ id: groupId } = group);
    room = `conv:${groupId}`;
    assert.deepEqual(rolesOf(group.members), { [owner.id]: "owner", [m1.id]: "member" });

    const joins = w.fanout.joins(room);
    assert.deepEqual(joins.map((j) => [j.ns, j.members.sort()]), [["groups", [`user:${owner.id}`, `user:${m1.id}`].sort()]]);
    const announced = w.fanout.emitted("group_updated", { room });
    assert.equal(announced.length, 1);
    assert.deepEqual(announced[0]?.payload.group.members, group.members);
    assert.deepEqual(await w.services.groups.groupIdsOf(m1.id), [groupId]);
  });

  it("lets the owner add a member: stored, joined to the room, announced", async () => {
    w.fanout.clear();
    const group = await w.services.groups.addMember(owner.id, groupId, m2.id, "member");
    assert.equal(rolesOf(group.members)[m2.id], "member");
    assert.deepEqual(w.fanout.joins(room).map((j) => j.members), [[`user:${m2.id}`]]);
    assert.deepEqual(w.fanout.events(), ["group_updated"]);
    assert.equal((await w.services.groups.get(m2.id, groupId)).members.length, 3);
    assert.equal((await w.caller(m2).ref({ kind: "group", id: groupId })).publicId, groupId);
  });

  it("refuses an add by a plain member, changing nothing and joining no one", async () => {
    w.fanout.clear();
    await assert.rejects(w.services.groups.addMember(m1.id, groupId, m3.id, "member"), { code: "forbidden" });
    assert.deepEqual(w.fanout.calls, []);
    assert.deepEqual(await w.services.groups.groupIdsOf(m3.id), []);
    await assert.rejects(w.services.groups.get(m3.id, groupId), { code: "not_found" }, "a private group stays invisible to m3");
  });

  it("refuses adding someone already a member", async () => {
    await assert.rejects(w.services.groups.addMember(owner.id, groupId, m1.id, "member"), { code: "bad_request" });
  });

  it("lets only the owner change roles, and an admin then add members but not admins", async () => {
    await assert.rejects(w.services.groups.setRole(m1.id, groupId, m2.id, "admin"), { code: "forbidden" });
    await assert.rejects(w.services.groups.setRole(owner.id, groupId, owner.id, "member"), { code: "bad_request" });
    w.fanout.clear();
    const promoted = await w.services.groups.setRole(owner.id, groupId, m1.id, "admin");
    assert.equal(rolesOf(promoted.members)[m1.id], "admin");
    assert.deepEqual(w.fanout.events(), ["group_updated"]);
    assert.deepEqual(w.fanout.joins(), [], "a role change moves no socket");

    await assert.rejects(w.services.groups.addMember(m1.id, groupId, m3.id, "admin"), { code: "forbidden" });
    const added = await w.services.groups.addMember(m1.id, groupId, m3.id, "member");
    assert.equal(rolesOf(added.members)[m3.id], "member");
  });

  it("removes a member: gone from the group, left the room, told to everyone it concerned", async () => {
    const before = (await w.services.groups.get(owner.id, groupId)).members.map((m) => `user:${m.user_id}`);
    w.fanout.clear();
    const group = await w.services.groups.removeMember(m1.id, groupId, m2.id); // an admin removes a member
    assert.equal(rolesOf(group.members)[m2.id], undefined);
    assert.deepEqual(w.fanout.leaves(room).map((l) => [l.ns, l.members]), [["groups", [`user:${m2.id}`]]]);
    const [told] = w.fanout.emitted("group_member_removed");
    assert.deepEqual(told?.rooms.sort(), before.sort(), "the removed member is told too (user rooms, not the group's)");
    assert.equal(told?.payload.group_id, groupId);
    assert.equal(told?.payload.user_id, m2.id);
    assert.equal(typeof told?.payload.meta?.event_seq, "number");
    assert.deepEqual(await w.services.groups.groupIdsOf(m2.id), []);
    await assert.rejects(w.caller(m2).ref({ kind: "group", id: groupId }), { code: "not_found" });
  });

  it("keeps the owner and protects admins from other admins", async () => {
    await assert.rejects(w.services.groups.removeMember(owner.id, groupId, owner.id), { code: "bad_request" });
    await w.services.groups.setRole(owner.id, groupId, m3.id, "admin");
    await assert.rejects(w.services.groups.removeMember(m1.id, groupId, m3.id), { code: "forbidden" });
    w.fanout.clear();
    const left = await w.services.groups.removeMember(m3.id, groupId, m3.id); // anyone may leave
    assert.equal(rolesOf(left.members)[m3.id], undefined);
    assert.deepEqual(w.fanout.leaves(room).map((l) => l.members), [[`user:${m3.id}`]]);
  });

  it("deletes a group: every member told and moved out of the room, the group gone", async () => {
    const members = (await w.services.groups.get(owner.id, groupId)).members.map((m) => `user:${m.user_id}`);
    await assert.rejects(w.services.groups.remove(m1.id, groupId), { code: "forbidden" });
    w.fanout.clear();
    await w.services.groups.remove(owner.id, groupId);
    assert.deepEqual(w.fanout.emitted("group_deleted")[0]?.rooms.sort(), members.sort());
    assert.deepEqual(w.fanout.leaves(room)[0]?.members.sort(), members.sort());
    await assert.rejects(w.services.groups.get(owner.id, groupId), { code: "not_found" });
  });
});
