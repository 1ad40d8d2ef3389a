// BlockRepository (src/safety/block.repository.ts), and the break-up side of the partner
// link (UserRepository.unlinkPartners answering who cleared it).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { BlockRecord } from "../../../src/safety/block.repository.ts";
import { newId } from "../../../src/shared/ids.ts";
import { at, createUsers, type GetStorage } from "./helpers.ts";

const block = (blocker_id: string, blocked_id: string, iso = "2030-01-01T00:00:00.000Z"): BlockRecord => ({ blocker_id, blocked_id, created_at: at(iso) });
const pair = (b: BlockRecord) => `${b.blocker_id}>${b.blocked_id}`;
const pairs = (bs: BlockRecord[]) => bs.map(pair).sort();

export function blocksContract(get: GetStorage): void {
  describe("blocks", () => {
    it("add stores a block once: a second add of the pair is false and keeps the first record", async () => {
      const s = get();
      const [a, b] = [newId(), newId()];
      assert.equal(await s.blocks.add(block(a, b, "2030-01-01T00:00:00.000Z")), true);
      assert.equal(await s.blocks.add(block(a, b, "2030-02-01T00:00:00.000Z")), false);
      assert.deepEqual(await s.blocks.byBlocker(a), [block(a, b, "2030-01-01T00:00:00.000Z")]);
      assert.deepEqual(await s.blocks.byBlocker(b), [], "a block has a direction");
    });

    it("concurrent adds of one pair store it once, and exactly one of them says so", async () => {
      const s = get();
      const [a, b] = [newId(), newId()];
      const results = await Promise.all(Array.from({ length: 8 }, () => s.blocks.add(block(a, b))));
      assert.equal(results.filter(Boolean).length, 1, results.join(","));
      assert.equal((await s.blocks.byBlocker(a)).length, 1);
    });

    it("byBlocker lists one user's blocks newest first, then by blocked id", async () => {
      const s = get();
      const a = newId();
      const [x, y, z] = [newId(), newId(), newId()].sort();
      await s.blocks.add(block(a, y!, "2030-01-01T00:00:00.000Z"));
      await s.blocks.add(block(a, z!, "2030-01-02T00:00:00.000Z"));
      await s.blocks.add(block(a, x!, "2030-01-01T00:00:00.000Z"));
      await s.blocks.add(block(newId(), x!, "2030-01-03T00:00:00.000Z"));
      assert.deepEqual((await s.blocks.byBlocker(a)).map((r) => r.blocked_id), [z, x, y]);
      assert.deepEqual(await s.blocks.byBlocker(newId()), []);
    });

    it("involving gives every block of these users on either side, each once", async () => {
      const s = get();
      const [a, b, c, d] = [newId(), newId(), newId(), newId()];
      await s.blocks.add(block(a, b));
      await s.blocks.add(block(b, a));
      await s.blocks.add(block(c, a));
      await s.blocks.add(block(c, d));
      assert.deepEqual(pairs(await s.blocks.involving([a])), pairs([block(a, b), block(b, a), block(c, a)]));
      assert.deepEqual(pairs(await s.blocks.involving([a, b])), pairs([block(a, b), block(b, a), block(c, a)]), "a block between two of them comes once");
      assert.deepEqual(pairs(await s.blocks.involving([d, newId()])), pairs([block(c, d)]));
      assert.deepEqual(await s.blocks.involving([]), []);
      const [first] = await s.blocks.involving([d]);
      assert.deepEqual(first, block(c, d), "records, dates as Date");
    });

    it("remove deletes only that direction; a second remove is false", async () => {
      const s = get();
      const [a, b] = [newId(), newId()];
      await s.blocks.add(block(a, b));
      await s.blocks.add(block(b, a));
      assert.equal(await s.blocks.remove(a, b), true);
      assert.equal(await s.blocks.remove(a, b), false);
      assert.deepEqual(pairs(await s.blocks.involving([a])), pairs([block(b, a)]));
      assert.equal(await s.blocks.add(block(a, b)), true, "blocking again after an unblock stores it again");
    });

    it("ids are data, never a query", async () => {
      const s = get();
      const odd = '{"$ne":null}';
      await s.blocks.add(block(odd, "x.y$z"));
      assert.deepEqual(pairs(await s.blocks.byBlocker(odd)), [`${odd}>x.y$z`]);
      assert.equal(await s.blocks.remove(odd, "x.y$z"), true);
    });
  });

  describe("break-up (unlinkPartners)", () => {
    it("is true for the call that cleared the link, false for a repeat or a pair that is not linked", async () => {
      const s = get();
      const [a, b, c] = await createUsers(s, 3);
      assert.equal(await s.users.linkPartners(a!.id, b!.id), "linked");
      assert.equal(await s.users.unlinkPartners(a!.id, c!.id), false);
      assert.equal(await s.users.unlinkPartners(b!.id, a!.id), true);
      assert.equal(await s.users.unlinkPartners(b!.id, a!.id), false);
      assert.equal((await s.users.byId(a!.id))!.partner_id, null);
      assert.equal(await s.users.linkPartners(a!.id, c!.id), "linked", "each can link with someone else");
      assert.equal(await s.users.linkPartners(b!.id, a!.id), "b_taken");
    });

    it("the same two can link again after a break-up", async () => {
      const s = get();
      const [a, b] = await createUsers(s, 2);
      for (let round = 0; round < 3; round++) {
        assert.equal(await s.users.linkPartners(a!.id, b!.id), "linked", `round ${round}`);
        assert.equal(await s.users.unlinkPartners(a!.id, b!.id), true, `round ${round}`);
      }
    });

    it("both partners breaking up at once leave both free", async () => {
      const s = get();
      const [a, b] = await createUsers(s, 2);
      assert.equal(await s.users.linkPartners(a!.id, b!.id), "linked");
      const results = await Promise.all([s.users.unlinkPartners(a!.id, b!.id), s.users.unlinkPartners(b!.id, a!.id)]);
      assert.ok(results.includes(true), results.join(","));
      const after = await s.users.byIds([a!.id, b!.id]);
      assert.deepEqual(after.map((u) => u.partner_id), [null, null]);
    });
  });
}
