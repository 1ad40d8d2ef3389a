// UserRepository (src/users/user.repository.ts).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { newId } from "../../../src/shared/ids.ts";
import type { Storage } from "../../../src/storage/storage.ts";
import type { UserRecord } from "../../../src/users/user.repository.ts";
import { byId, clockPast, countOf, createUsers, duplicateKey, newUserInput, type GetStorage, type SuiteContext } from "./helpers.ts";

async function partnerOf(s: Storage, id: string): Promise<string | null> {
  const u = await s.users.byId(id);
  assert.ok(u, `user ${id} exists`);
  return u.partner_id;
}

export function usersContract(get: GetStorage, ctx: SuiteContext): void {
  describe("users", () => {
    it("create returns the full record (nulls for what was not given, created_at/updated_at now); byId returns the same", async () => {
      const s = get();
      const input = newUserInput({ email: "someone@example.com" });
      const before = Date.now();
      const u = await s.users.create(input);
      const after = Date.now();
      assert.ok(u.created_at instanceof Date && u.updated_at instanceof Date, "created_at and updated_at are Dates");
      assert.ok(u.created_at.getTime() >= before - 1000 && u.created_at.getTime() <= after + 1000, "created_at is the creation time");
      assert.deepEqual(u, { ...input, mood: null, avatar_url: null, bubble_color: null, partner_id: null, suspended_until: null, suspension_reason: null, created_at: u.created_at, updated_at: u.updated_at });
      assert.deepEqual(await s.users.byId(u.id), u);
      assert.equal(await s.users.byId(newId()), null, "an unknown id is null");
    });

    it("byIds returns the known ones and leaves unknown ids out", async () => {
      const s = get();
      const [a, b, c] = await createUsers(s, 3);
      const found = await s.users.byIds([c!.id, newId(), a!.id, b!.id, newId()]);
      assert.deepEqual(byId(found), byId([a!, b!, c!]));
      assert.deepEqual(await s.users.byIds([]), []);
      assert.deepEqual(await s.users.byIds([newId()]), []);
    });

    it("byPhone and byUsername find the user; unknown ones are null", async () => {
      const s = get();
      const u = await s.users.create(newUserInput());
      assert.deepEqual(await s.users.byPhone(u.phone), u);
      assert.deepEqual(await s.users.byUsername(u.username), u);
      assert.equal(await s.users.byPhone(`${u.phone}9`), null);
      assert.equal(await s.users.byUsername(`${u.username}_x`), null);
    });

    it("update sets the given fields and moves updated_at; the others keep their value", async () => {
      const s = get();
      const u = await s.users.create(newUserInput());
      await clockPast(u.updated_at);
      const v = await s.users.update(u.id, { display_name: "New name", mood: "happy", email: "x@example.com", avatar_url: "https://cdn.example/a.png", bubble_color: "#ff00aa" });
      assert.ok(v, "update returns the record");
      assert.ok(v.updated_at.getTime() > u.updated_at.getTime(), `updated_at moved (${u.updated_at.toISOString()} -> ${v.updated_at.toISOString()})`);
      assert.deepEqual(v, {
        ...u,
        display_name: "New name",
        mood: "happy",
        email: "x@example.com",
        avatar_url: "https://cdn.example/a.png",
        bubble_color: "#ff00aa",
        updated_at: v.updated_at,
      });
      assert.deepEqual(await s.users.byId(u.id), v);

      await clockPast(v.updated_at);
      const w = await s.users.update(u.id, { mood: null });
      assert.ok(w);
      assert.ok(w.updated_at.getTime() > v.updated_at.getTime(), "updated_at moved again");
      assert.deepEqual(w, { ...v, mood: null, updated_at: w.updated_at }, "a partial patch keeps the other fields; null clears one");
      assert.deepEqual(await s.users.byId(u.id), w);
    });

    it("update of an unknown user is null and creates nothing", async () => {
      const s = get();
      const id = newId();
      assert.equal(await s.users.update(id, { mood: "x" }), null);
      assert.equal(await s.users.byId(id), null);
    });

    it("create throws DuplicateKeyError 'phone' / 'username' (phone first when both) and stores nothing", async () => {
      const s = get();
      const u = await s.users.create(newUserInput());
      const samePhone = newUserInput({ phone: u.phone });
      await assert.rejects(s.users.create(samePhone), duplicateKey("phone"));
      const sameUsername = newUserInput({ username: u.username });
      await assert.rejects(s.users.create(sameUsername), duplicateKey("username"));
      const both = newUserInput({ phone: u.phone, username: u.username });
      await assert.rejects(s.users.create(both), duplicateKey("phone"));
      for (const x of [samePhone, sameUsername, both]) assert.equal(await s.users.byId(x.id), null, "the refused user was not stored");
      assert.deepEqual(await s.users.byPhone(u.phone), u, "the first user is untouched");
    });

    it("create of the same id twice is refused", async () => {
      const s = get();
      const u = await s.users.create(newUserInput());
      await assert.rejects(s.users.create(newUserInput({ id: u.id })));
      assert.deepEqual(await s.users.byId(u.id), u);
    });

    it("10 concurrent creates with one phone: exactly one succeeds, the others get DuplicateKeyError 'phone'", async () => {
      const s = get();
      const phone = newUserInput().phone;
      const inputs = Array.from({ length: 10 }, () => newUserInput({ phone }));
      const results = await Promise.allSettled(inputs.map((i) => s.users.create(i)));
      const ok = results.filter((r) => r.status === "fulfilled");
      assert.equal(ok.length, 1, "exactly one create succeeded");
      for (const r of results) if (r.status === "rejected") duplicateKey("phone")(r.reason);
      const stored = await s.users.byIds(inputs.map((i) => i.id));
      assert.equal(stored.length, 1);
      assert.deepEqual(await s.users.byPhone(phone), stored[0]);
    });

    it("linkPartners links two free users", async () => {
      const s = get();
      const [a, b] = await createUsers(s, 2);
      assert.equal(await s.users.linkPartners(a!.id, b!.id), "linked");
      assert.equal(await partnerOf(s, a!.id), b!.id);
      assert.equal(await partnerOf(s, b!.id), a!.id);
    });

    it("linkPartners reports a_taken / b_taken and changes nothing", async () => {
      const s = get();
      const [a, b, c, d] = await createUsers(s, 4);
      assert.equal(await s.users.linkPartners(a!.id, b!.id), "linked");
      const before = byId(await s.users.byIds([a!.id, b!.id, c!.id, d!.id]));

      assert.equal(await s.users.linkPartners(a!.id, c!.id), "a_taken");
      assert.equal(await s.users.linkPartners(c!.id, a!.id), "b_taken");
      assert.equal(await s.users.linkPartners(c!.id, b!.id), "b_taken");
      assert.equal(await s.users.linkPartners(b!.id, d!.id), "a_taken");
      assert.equal(await s.users.linkPartners(a!.id, b!.id), "a_taken", "already linked to each other: a is taken");

      assert.deepEqual(byId(await s.users.byIds([a!.id, b!.id, c!.id, d!.id])), before, "nothing changed (no half-made link left behind)");
      assert.equal(await s.users.linkPartners(c!.id, d!.id), "linked", "c and d are still free");
    });

    it("10 concurrent links of one user to ten free users: exactly one is linked, nothing else changed", async () => {
      const s = get();
      const [x] = await createUsers(s, 1);
      const others = await createUsers(s, 10);
      const results = await Promise.all(others.map((o) => s.users.linkPartners(x!.id, o.id)));
      assert.equal(countOf(results, "linked"), 1, `exactly one linked: ${results.join(",")}`);
      assert.equal(countOf(results, "a_taken"), 9, "the others found x taken");
      const winner = others[results.indexOf("linked")]!;
      assert.equal(await partnerOf(s, x!.id), winner.id);
      for (const o of others) assert.equal(await partnerOf(s, o.id), o.id === winner.id ? x!.id : null, `partner of ${o.id}`);
    });

    it("two nodes: concurrent links of one user to ten free users over both: at most one linked, every link mutual", { skip: ctx.openNodes ? false : `${ctx.kind} runs in one process` }, async () => {
      const pair = await ctx.openNodes!(2);
      try {
        const [n1, n2] = pair.nodes as [Storage, Storage];
        for (let round = 0; round < 3; round++) {
          const [x] = await createUsers(n1, 1);
          const others = await createUsers(n1, 10);
          const results = await Promise.all(others.map((o, i) => (i % 2 ? n1 : n2).users.linkPartners(x!.id, o.id)));
          assert.equal(countOf(results, "linked"), 1, `round ${round}: one linked (x is claimed first, so one claim of x wins): ${results.join(",")}`);
          const winner = others[results.indexOf("linked")]!;
          assert.equal(await partnerOf(n2, x!.id), winner.id);
          for (const o of others) assert.equal(await partnerOf(n2, o.id), o.id === winner.id ? x!.id : null);
        }
      } finally {
        await pair.stop();
      }
    });

    it("concurrent links between every pair of six users leave only mutual links, each reported as 'linked'", async () => {
      const s = get();
      const users = await createUsers(s, 6);
      const pairs: [UserRecord, UserRecord][] = [];
      for (let i = 0; i < users.length; i++) for (let j = 0; j < users.length; j++) if (i !== j) pairs.push([users[i]!, users[j]!]);
      const results = await Promise.all(pairs.map(([a, b]) => s.users.linkPartners(a.id, b.id)));
      for (const r of results) assert.ok(r === "linked" || r === "a_taken" || r === "b_taken", `result ${r}`);
      const after = new Map((await s.users.byIds(users.map((u) => u.id))).map((u) => [u.id, u.partner_id]));
      const linked = pairs.filter((_, i) => results[i] === "linked");
      for (const [a, b] of linked) {
        assert.equal(after.get(a.id), b.id, "a 'linked' pair is linked");
        assert.equal(after.get(b.id), a.id, "a 'linked' pair is linked");
      }
      for (const [id, p] of after) if (p !== null) assert.equal(after.get(p), id, "every link is mutual");
      assert.equal([...after.values()].filter((p) => p !== null).length, linked.length * 2, "every link was reported as 'linked' exactly once");
      if (ctx.kind === "sqlite") assert.ok(linked.length >= 1, "a transaction lets at least one link through");
    });

    it("unlinkPartners clears both sides", async () => {
      const s = get();
      const [a, b] = await createUsers(s, 2);
      assert.equal(await s.users.linkPartners(a!.id, b!.id), "linked");
      await s.users.unlinkPartners(b!.id, a!.id);
      assert.equal(await partnerOf(s, a!.id), null);
      assert.equal(await partnerOf(s, b!.id), null);
      assert.equal(await s.users.linkPartners(a!.id, b!.id), "linked", "both are free again");
    });

    it("unlinkPartners clears a side only if it still points at the other", async () => {
      const s = get();
      const [a, b, c, d] = await createUsers(s, 4);
      assert.equal(await s.users.linkPartners(a!.id, b!.id), "linked");
      assert.equal(await s.users.linkPartners(c!.id, d!.id), "linked");
      await s.users.unlinkPartners(a!.id, c!.id);
      assert.equal(await partnerOf(s, a!.id), b!.id, "a still with b");
      assert.equal(await partnerOf(s, c!.id), d!.id, "c still with d");

      // b moves on to e; a stale unlink of (a, b) must not touch b's new link.
      await s.users.unlinkPartners(a!.id, b!.id);
      const [e] = await createUsers(s, 1);
      assert.equal(await s.users.linkPartners(b!.id, e!.id), "linked");
      await s.users.unlinkPartners(a!.id, b!.id);
      assert.equal(await partnerOf(s, b!.id), e!.id, "b keeps its new partner");
      assert.equal(await partnerOf(s, e!.id), b!.id);
      await s.users.unlinkPartners(a!.id, newId());
    });
  });
}
