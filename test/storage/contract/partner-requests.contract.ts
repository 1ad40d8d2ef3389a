// PartnerRequestRepository (src/couples/partner-request.repository.ts).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { PartnerRequestStatus } from "../../../src/couples/partner-request.repository.ts";
import { newId } from "../../../src/shared/ids.ts";
import type { Storage } from "../../../src/storage/storage.ts";
import { at, countOf, range, type GetStorage, type SuiteContext } from "./helpers.ts";

async function request(s: Storage, sender: string, recipient: string, created_at = new Date()) {
  return s.partnerRequests.create({ id: newId(), sender_id: sender, recipient_id: recipient, created_at });
}

export function partnerRequestsContract(get: GetStorage, ctx: SuiteContext): void {
  describe("partner requests", () => {
    it("create returns a pending request; byId returns the same", async () => {
      const s = get();
      const input = { id: newId(), sender_id: newId(), recipient_id: newId(), created_at: at("2030-01-02T03:04:05.678Z") };
      const r = await s.partnerRequests.create(input);
      assert.deepEqual(r, { ...input, status: "pending", responded_at: null });
      assert.deepEqual(await s.partnerRequests.byId(r.id), r);
      assert.equal(await s.partnerRequests.byId(newId()), null);
    });

    it("pendingBetween finds it in either direction, and not once it is answered", async () => {
      const s = get();
      const [a, b, c] = [newId(), newId(), newId()];
      const r = await request(s, a, b);
      assert.deepEqual(await s.partnerRequests.pendingBetween(a, b), r);
      assert.deepEqual(await s.partnerRequests.pendingBetween(b, a), r);
      assert.equal(await s.partnerRequests.pendingBetween(a, c), null);
      assert.equal(await s.partnerRequests.pendingBetween(c, b), null);
      assert.equal(await s.partnerRequests.transition(r.id, "pending", "rejected", new Date()), true);
      assert.equal(await s.partnerRequests.pendingBetween(a, b), null);
      assert.equal(await s.partnerRequests.pendingBetween(b, a), null);
    });

    it("pendingOf lists pending requests sent or received, newest first", async () => {
      const s = get();
      const u = newId();
      const r1 = await request(s, u, newId(), at("2030-01-01T00:00:01.000Z"));
      const r3 = await request(s, newId(), u, at("2030-01-01T00:00:03.000Z"));
      const r2 = await request(s, u, newId(), at("2030-01-01T00:00:02.000Z"));
      const answered = await request(s, newId(), u, at("2030-01-01T00:00:04.000Z"));
      assert.equal(await s.partnerRequests.transition(answered.id, "pending", "accepted", new Date()), true);
      await request(s, newId(), newId(), at("2030-01-01T00:00:05.000Z"));
      assert.deepEqual(await s.partnerRequests.pendingOf(u), [r3, r2, r1]);
      assert.deepEqual(await s.partnerRequests.pendingOf(newId()), []);
    });

    it("transition moves only from the stated status and records responded_at", async () => {
      const s = get();
      const r = await request(s, newId(), newId());
      const t = at("2030-05-05T05:05:05.505Z");
      assert.equal(await s.partnerRequests.transition(r.id, "accepted", "cancelled", new Date()), false, "it is not accepted");
      assert.deepEqual(await s.partnerRequests.byId(r.id), r, "unchanged");
      assert.equal(await s.partnerRequests.transition(r.id, "pending", "accepted", t), true);
      assert.deepEqual(await s.partnerRequests.byId(r.id), { ...r, status: "accepted", responded_at: t });
      assert.equal(await s.partnerRequests.transition(r.id, "pending", "rejected", new Date()), false, "no longer pending");
      assert.deepEqual(await s.partnerRequests.byId(r.id), { ...r, status: "accepted", responded_at: t }, "unchanged by the refused move");
      assert.equal(await s.partnerRequests.transition(newId(), "pending", "accepted", new Date()), false, "unknown id");
    });

    it("10 concurrent transitions from pending: exactly one wins, and its status and time are stored", async () => {
      const s = get();
      const r = await request(s, newId(), newId());
      const targets: PartnerRequestStatus[] = ["accepted", "rejected", "cancelled"];
      const base = Date.parse("2030-06-01T00:00:00.000Z");
      const moves = Array.from({ length: 10 }, (_, i) => ({ to: targets[i % 3]!, at: new Date(base + i) }));
      const results = await Promise.all(moves.map((m) => s.partnerRequests.transition(r.id, "pending", m.to, m.at)));
      assert.equal(countOf(results, true), 1, `exactly one transition won: ${results.join(",")}`);
      const w = moves[results.indexOf(true)]!;
      assert.deepEqual(await s.partnerRequests.byId(r.id), { ...r, status: w.to, responded_at: w.at });
    });

    it("two nodes: 10 concurrent transitions from pending over both, exactly one wins", { skip: ctx.openNodes ? false : `${ctx.kind} runs in one process` }, async () => {
      const pair = await ctx.openNodes!(2);
      try {
        const [a, b] = pair.nodes as [Storage, Storage];
        for (let round = 0; round < 5; round++) {
          const r = await request(a, newId(), newId());
          const results = await Promise.all(range(0, 9).map((i) => (i % 2 ? a : b).partnerRequests.transition(r.id, "pending", i % 2 ? "accepted" : "cancelled", new Date())));
          assert.equal(countOf(results, true), 1, `round ${round}: ${results.join(",")}`);
          const w = results.indexOf(true);
          assert.equal((await b.partnerRequests.byId(r.id))!.status, w % 2 ? "accepted" : "cancelled");
        }
      } finally {
        await pair.stop();
      }
    });

    it("cancelPendingOf cancels every pending request sent or received by the users, and only those", async () => {
      const s = get();
      const [u1, u2, x, y] = [newId(), newId(), newId(), newId()];
      const t = at("2030-07-07T07:07:07.007Z");
      const sent = await request(s, u1, x);
      const received = await request(s, y, u2);
      const between = await request(s, u1, u2);
      const accepted = await request(s, x, u1);
      assert.equal(await s.partnerRequests.transition(accepted.id, "pending", "accepted", new Date()), true);
      const acceptedRec = await s.partnerRequests.byId(accepted.id);
      const unrelated = await request(s, x, y);

      assert.equal(await s.partnerRequests.cancelPendingOf([u1, u2], t), 3);
      for (const r of [sent, received, between]) assert.deepEqual(await s.partnerRequests.byId(r.id), { ...r, status: "cancelled", responded_at: t });
      assert.deepEqual(await s.partnerRequests.byId(accepted.id), acceptedRec, "an answered request is left alone");
      assert.deepEqual(await s.partnerRequests.byId(unrelated.id), unrelated, "other users' requests are left alone");
      assert.deepEqual(await s.partnerRequests.pendingOf(u1), []);
      assert.equal(await s.partnerRequests.cancelPendingOf([u1, u2], new Date()), 0, "nothing pending any more");
      assert.equal(await s.partnerRequests.cancelPendingOf([], new Date()), 0);
    });
  });
}
