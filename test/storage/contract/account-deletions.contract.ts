// AccountDeletionRepository (src/account/account-deletion.repository.ts): the job that makes
// a deletion resumable, and its bulk writes, the same on SQLite and MongoDB.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { newId } from "../../../src/shared/ids.ts";
import { at, createUsers, messageInput, newConversation, newUserInput, type GetStorage } from "./helpers.ts";

const tombstone = (id: string) => ({ phone: `deleted:${id}`, username: `deleted-${id}`, display_name: "Deleted user", suspended_until: at("9999-12-31T00:00:00.000Z"), suspension_reason: "account_deleted" });
const deletedCard = (id: string) => ({ id, username: `deleted-${id}`, display_name: "Deleted user", avatar_url: null });

export function accountDeletionsContract(get: GetStorage): void {
  describe("account deletions", () => {
    it("begin records the job once and replaces the user row by its tombstone, freeing phone and username", async () => {
      const s = get();
      const [u] = await createUsers(s, 1);
      await s.users.update(u!.id, { email: "x@example.com", mood: "happy" });
      const job = await s.accountDeletions.begin(u!.id, at("2030-01-01T00:00:00.000Z"), tombstone(u!.id));
      assert.deepEqual([job?.user_id, job?.step, job?.cursor, job?.finished_at], [u!.id, "sessions", null, null]);
      const again = await s.accountDeletions.begin(u!.id, at("2030-01-02T00:00:00.000Z"), tombstone(u!.id));
      assert.equal(again?.started_at.toISOString(), "2030-01-01T00:00:00.000Z", "the first job is kept");
      const row = await s.users.byId(u!.id);
      assert.deepEqual([row?.phone, row?.username, row?.display_name, row?.email, row?.mood, row?.password_hash, row?.suspension_reason], [`deleted:${u!.id}`, `deleted-${u!.id}`, "Deleted user", null, null, "", "account_deleted"]);
      assert.equal(await s.users.byPhone(u!.phone), null);
      const reborn = await s.users.create(newUserInput({ phone: u!.phone, username: u!.username }));
      assert.notEqual(reborn.id, u!.id, "phone and username register again");
      assert.equal(await s.accountDeletions.begin(newId(), new Date(), tombstone("x")), null, "no such user");
    });

    it("advance records the step and cursor; done finishes it and it leaves unfinished", async () => {
      const s = get();
      const [u] = await createUsers(s, 1);
      await s.accountDeletions.begin(u!.id, new Date(), tombstone(u!.id));
      assert.ok((await s.accountDeletions.unfinished(1000)).some((j) => j.user_id === u!.id));
      await s.accountDeletions.advance(u!.id, "messages", "m-42", new Date());
      const mid = await s.accountDeletions.job(u!.id);
      assert.deepEqual([mid?.step, mid?.cursor, mid?.finished_at], ["messages", "m-42", null]);
      await s.accountDeletions.advance(u!.id, "done", null, new Date());
      assert.ok((await s.accountDeletions.job(u!.id))?.finished_at);
      assert.ok(!(await s.accountDeletions.unfinished(1000)).some((j) => j.user_id === u!.id));
    });

    it("tombstoneMessagesOf wipes the user's messages a page at a time, keeping seqs and others' messages", async () => {
      const s = get();
      const [a, b] = await createUsers(s, 2);
      const c = await newConversation(s, { members: [{ user_id: a!.id, role: "member" }, { user_id: b!.id, role: "member" }] });
      const sent = [];
      for (let i = 0; i < 5; i++) sent.push((await s.messages.append(messageInput(c.key, i === 2 ? b!.id : a!.id, { text: `t${i}`, mentions: i === 0 ? [b!.id] : [] }))).message);
      await s.messages.toggleReaction(c.key, sent[0]!.id, b!.id, { emoji: "x", at: new Date(), username: "b" });
      await s.messages.toggleReaction(c.key, sent[2]!.id, a!.id, { emoji: "y", at: new Date(), username: "a" });
      const first = await s.accountDeletions.tombstoneMessagesOf(a!.id, null, 3, deletedCard(a!.id), new Date());
      assert.equal(first.count, 3);
      assert.deepEqual(first.keys, [c.key]);
      const second = await s.accountDeletions.tombstoneMessagesOf(a!.id, first.lastId, 3, deletedCard(a!.id), new Date());
      assert.equal(second.count, 1);
      assert.deepEqual(await s.accountDeletions.tombstoneMessagesOf(a!.id, second.lastId, 3, deletedCard(a!.id), new Date()), { lastId: null, count: 0, keys: [] });
      const all = await s.messages.after(c.key, 0, 10);
      assert.deepEqual(all.map((m) => m.seq), [1, 2, 3, 4, 5]);
      for (const m of all.filter((x) => x.sender_id === a!.id)) {
        assert.deepEqual([m.deleted, m.text, m.sender.display_name, Object.keys(m.reactions).length, m.mentions], [true, "", "Deleted user", 0, []]);
      }
      const bs = all.find((m) => m.sender_id === b!.id)!;
      assert.deepEqual([bs.deleted, bs.text], [false, "t2"]);
      assert.equal(await s.accountDeletions.removeReactionsOf(a!.id, 10), 1);
      assert.equal(Object.keys((await s.messages.byId(c.key, bs.id))!.reactions).length, 0);
      assert.equal(await s.accountDeletions.removeReactionsOf(a!.id, 10), 0);
    });

    it("uploadsOf pages by id; removeUploads forgets them; removePersonalData takes profile, subscriptions, blocks both ways", async () => {
      const s = get();
      const [a, b] = await createUsers(s, 2);
      const ids = [newId(), newId(), newId()].sort();
      for (const id of ids) await s.uploads.record({ id, owner_id: a!.id, type: "image", urls: [`/media/aa/${id}.webp`], bytes: 1, created_at: new Date() });
      const p1 = await s.accountDeletions.uploadsOf(a!.id, null, 2);
      assert.deepEqual(p1.map((u) => u.id), ids.slice(0, 2));
      assert.deepEqual((await s.accountDeletions.uploadsOf(a!.id, p1[1]!.id, 2)).map((u) => u.id), ids.slice(2));
      await s.accountDeletions.removeUploads(ids);
      assert.deepEqual(await s.accountDeletions.uploadsOf(a!.id, null, 10), []);
      assert.equal(await s.uploads.byUrl(`/media/aa/${ids[0]}.webp`), null);

      await s.profiles.upsert(a!.id, { bio: "me" }, new Date());
      await s.blocks.add({ blocker_id: a!.id, blocked_id: b!.id, created_at: new Date() });
      await s.blocks.add({ blocker_id: b!.id, blocked_id: a!.id, created_at: new Date() });
      await s.accountDeletions.removePersonalData(a!.id);
      assert.equal(await s.profiles.get(a!.id), null);
      assert.deepEqual(await s.blocks.involving([a!.id]), []);
    });
  });
}
