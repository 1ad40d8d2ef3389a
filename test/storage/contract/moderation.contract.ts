// ReportRepository, GroupSanctionRepository (src/moderation) and the user's suspension
// (UserRepository.setSuspension): issue 15.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { NewReport, ReportRecord } from "../../../src/moderation/report.repository.ts";
import { newId } from "../../../src/shared/ids.ts";
import type { Storage } from "../../../src/storage/storage.ts";
import { at, clockPast, newUserInput, type GetStorage, type SuiteContext } from "./helpers.ts";

function messageReport(over: Partial<NewReport> = {}): NewReport {
  const key = `group:g-${newId()}`;
  return {
    id: newId(),
    reporter_id: newId(),
    target_type: "message",
    target_user_id: newId(),
    conversation_key: key,
    message_id: newId(),
    reason: "spam",
    note: "buy $now at a.b",
    snapshot: {
      sender: { id: newId(), username: "someone", display_name: "Some One", avatar_url: null },
      text: "odd \u0000 text 😀",
      kind: "image",
      media: { original: "https://cdn.example/o.jpg", preview: null, thumbnail: null, type: "image", bytes: 3, width: 1, height: 2 },
      sticker: null,
      seq: 7,
      created_at: "2030-01-01T00:00:00.000Z",
    },
    created_at: at("2030-01-02T00:00:00.000Z"),
    ...over,
  };
}

function userReport(over: Partial<NewReport> = {}): NewReport {
  return { id: newId(), reporter_id: newId(), target_type: "user", target_user_id: newId(), conversation_key: null, message_id: null, reason: "impersonation", note: null, snapshot: null, created_at: at("2030-01-02T00:00:00.000Z"), ...over };
}

const opened = (n: NewReport): ReportRecord => ({ ...n, status: "open", resolution: null, updated_at: n.created_at });

/** Ids a few seconds apart, so that "newest first" (by id) is the order they are made in. */
const idAt = (second: number) => newId(Date.UTC(2030, 0, 1, 0, 0, second));

export function moderationContract(get: GetStorage, ctx: SuiteContext): void {
  describe("reports", () => {
    it("file stores an open report and returns it; byId reads it back; unknown ids are null", async () => {
      const s = get();
      for (const n of [messageReport(), userReport()]) {
        const { report, created } = await s.reports.file(n);
        assert.equal(created, true);
        assert.deepEqual(report, opened(n));
        assert.deepEqual(await s.reports.byId(n.id), opened(n));
      }
      assert.equal(await s.reports.byId(newId()), null);
    });

    it("filing again (same reporter, same target) updates the open one: reason, note, snapshot, updated_at; id and created_at stay", async () => {
      const s = get();
      const first = messageReport();
      await s.reports.file(first);
      const again = messageReport({ ...first, id: newId(), reason: "hate", note: null, snapshot: { ...first.snapshot!, text: "edited since" }, created_at: at("2030-01-03T00:00:00.000Z") });
      const { report, created } = await s.reports.file(again);
      assert.equal(created, false);
      assert.deepEqual(report, { ...opened(first), reason: "hate", note: null, snapshot: again.snapshot, updated_at: again.created_at });
      assert.equal(await s.reports.byId(again.id), null, "no second report");
      // Another reporter, or another message, is a report of its own.
      assert.equal((await s.reports.file(messageReport({ ...first, id: newId(), reporter_id: newId() }))).created, true);
      assert.equal((await s.reports.file(messageReport({ ...first, id: newId(), message_id: newId() }))).created, true);
      const u = userReport();
      await s.reports.file(u);
      assert.equal((await s.reports.file(userReport({ ...u, id: newId(), reason: "other" }))).created, false);
      assert.equal((await s.reports.file(userReport({ ...u, id: newId(), target_user_id: newId() }))).created, true);
    });

    it("10 concurrent files of one target by one reporter leave one open report", async () => {
      const s = get();
      const base = messageReport();
      const results = await Promise.all(Array.from({ length: 10 }, (_, i) => s.reports.file({ ...base, id: newId(), note: `n${i}` })));
      assert.equal(results.filter((r) => r.created).length, 1, "one created it");
      assert.equal(new Set(results.map((r) => r.report.id)).size, 1, "all answer the same report");
      assert.equal((await s.reports.list({ conversation_key: base.conversation_key!, limit: 100 })).length, 1);
    });

    it("two nodes: 8 concurrent files over both leave one open report", { skip: ctx.openNodes ? false : `${ctx.kind} runs in one process` }, async () => {
      const { nodes, stop } = await ctx.openNodes!(2);
      try {
        const base = messageReport();
        const results = await Promise.all(Array.from({ length: 8 }, (_, i) => nodes[i % 2]!.reports.file({ ...base, id: newId() })));
        assert.equal(results.filter((r) => r.created).length, 1);
        assert.equal((await nodes[0]!.reports.list({ conversation_key: base.conversation_key!, limit: 100 })).length, 1);
      } finally {
        await stop();
      }
    });

    it("resolve marks an open report resolved, once; a new report of the same target may then be filed", async () => {
      const s = get();
      const n = messageReport();
      await s.reports.file(n);
      const resolution = { action: "ban_from_group" as const, note: "seen", by: newId(), at: at("2030-01-04T00:00:00.000Z") };
      const resolved = await s.reports.resolve(n.id, resolution);
      assert.deepEqual(resolved, { ...opened(n), status: "resolved", resolution, updated_at: resolution.at });
      assert.deepEqual(await s.reports.byId(n.id), resolved);
      assert.equal(await s.reports.resolve(n.id, { ...resolution, action: "dismiss" }), null, "already resolved");
      assert.equal(await s.reports.resolve(newId(), resolution), null, "unknown");
      const next = await s.reports.file({ ...n, id: newId() });
      assert.equal(next.created, true, "the resolved one does not hold the target");
      assert.equal(next.report.status, "open");
      assert.deepEqual((await s.reports.byId(n.id))?.resolution, resolution, "the resolved one is unchanged");
    });

    it("list: newest first (by id), by conversation and status, a page before an id, at most limit", async () => {
      const s = get();
      const key = `group:g-${newId()}`;
      const made: ReportRecord[] = [];
      for (let i = 0; i < 5; i++) made.push((await s.reports.file(messageReport({ id: idAt(i), conversation_key: key, message_id: newId() }))).report);
      await s.reports.resolve(made[1]!.id, { action: "dismiss", note: null, by: newId(), at: new Date() });
      await s.reports.resolve(made[3]!.id, { action: "delete_message", note: null, by: newId(), at: new Date() });
      const ids = (rs: ReportRecord[]) => rs.map((r) => r.id);
      const desc = ids(made).reverse();
      assert.deepEqual(ids(await s.reports.list({ conversation_key: key, limit: 10 })), desc);
      assert.deepEqual(ids(await s.reports.list({ conversation_key: key, status: "open", limit: 10 })), [made[4]!.id, made[2]!.id, made[0]!.id]);
      assert.deepEqual(ids(await s.reports.list({ conversation_key: key, status: "resolved", limit: 10 })), [made[3]!.id, made[1]!.id]);
      assert.deepEqual(ids(await s.reports.list({ conversation_key: key, before: made[3]!.id, limit: 2 })), [made[2]!.id, made[1]!.id]);
      assert.deepEqual(ids(await s.reports.list({ conversation_key: key, status: "open", before: made[4]!.id, limit: 1 })), [made[2]!.id]);
      assert.deepEqual(await s.reports.list({ conversation_key: key, limit: 0 }), []);
      assert.deepEqual(await s.reports.list({ conversation_key: `group:g-${newId()}`, limit: 10 }), []);
      // Without a conversation: every report, also by status, newest first.
      const all = await s.reports.list({ limit: 1000 });
      assert.ok(desc.every((id) => ids(all).includes(id)));
      assert.deepEqual(ids(all), [...ids(all)].sort().reverse(), "by id, descending");
      const open = await s.reports.list({ status: "open", before: made[4]!.id, limit: 1000 });
      assert.ok(open.every((r) => r.status === "open" && r.id < made[4]!.id));
      assert.ok(ids(open).includes(made[2]!.id) && !ids(open).includes(made[1]!.id));
    });
  });

  describe("group sanctions", () => {
    const ban = (group_id: string, user_id: string, second: number) => ({ group_id, user_id, banned_by: newId(), reason: second % 2 ? "spam" : null, created_at: at(`2030-01-01T00:00:${String(second).padStart(2, "0")}.000Z`) });

    it("ban, banOf, unban: one ban per user and group; banning again replaces it", async () => {
      const s = get();
      const [g, u] = [`g-${newId()}`, newId()];
      const b = ban(g, u, 1);
      assert.deepEqual(await s.groupSanctions.ban(b), { created: true });
      assert.deepEqual(await s.groupSanctions.banOf(g, u), b);
      const again = { ...ban(g, u, 2), reason: "again" };
      assert.deepEqual(await s.groupSanctions.ban(again), { created: false });
      assert.deepEqual(await s.groupSanctions.banOf(g, u), again);
      assert.equal(await s.groupSanctions.banOf(g, newId()), null);
      assert.equal(await s.groupSanctions.banOf(`g-${newId()}`, u), null, "a ban is of one group");
      assert.equal(await s.groupSanctions.unban(g, u), true);
      assert.equal(await s.groupSanctions.unban(g, u), false);
      assert.equal(await s.groupSanctions.banOf(g, u), null);
    });

    it("bans: the group's, newest first, at most limit", async () => {
      const s = get();
      const g = `g-${newId()}`;
      const made = [ban(g, newId(), 1), ban(g, newId(), 3), ban(g, newId(), 2)];
      for (const b of made) await s.groupSanctions.ban(b);
      await s.groupSanctions.ban(ban(`g-${newId()}`, newId(), 9));
      assert.deepEqual(await s.groupSanctions.bans(g, 10), [made[1], made[2], made[0]]);
      assert.deepEqual(await s.groupSanctions.bans(g, 2), [made[1], made[2]]);
      assert.deepEqual(await s.groupSanctions.bans(g, 0), []);
    });

    it("post blocks: set, replaced, read back even once past, removed", async () => {
      const s = get();
      const [g, u] = [`g-${newId()}`, newId()];
      assert.equal(await s.groupSanctions.postBlockOf(g, u), null);
      const block = { group_id: g, user_id: u, until: at("2031-01-01T00:00:00.000Z"), blocked_by: newId(), created_at: at("2030-01-01T00:00:00.000Z") };
      await s.groupSanctions.blockPosting(block);
      assert.deepEqual(await s.groupSanctions.postBlockOf(g, u), block);
      const past = { ...block, until: at("2000-01-01T00:00:00.000Z") };
      await s.groupSanctions.blockPosting(past);
      assert.deepEqual(await s.groupSanctions.postBlockOf(g, u), past, "the caller compares with its clock");
      assert.equal(await s.groupSanctions.unblockPosting(g, u), true);
      assert.equal(await s.groupSanctions.unblockPosting(g, u), false);
      assert.equal(await s.groupSanctions.postBlockOf(g, u), null);
    });

    it("postBlocks: the group's blocks still in force, soonest end first, at most limit", async () => {
      const s = get();
      const g = `g-${newId()}`;
      const now = at("2030-06-01T00:00:00.000Z");
      const block = (until: string, group_id = g) => ({ group_id, user_id: newId(), until: at(until), blocked_by: newId(), created_at: at("2030-01-01T00:00:00.000Z") });
      const [late, soon, past] = [block("2031-01-01T00:00:00.000Z"), block("2030-07-01T00:00:00.000Z"), block("2030-05-01T00:00:00.000Z")];
      for (const b of [late, soon, past, block("2031-01-01T00:00:00.000Z", `g-${newId()}`)]) await s.groupSanctions.blockPosting(b);
      assert.deepEqual(await s.groupSanctions.postBlocks(g, now, 10), [soon, late]);
      assert.deepEqual(await s.groupSanctions.postBlocks(g, now, 1), [soon]);
      assert.deepEqual(await s.groupSanctions.postBlocks(g, now, 0), []);
    });

    it("clearGroup removes that group's bans and post blocks, no other group's", async () => {
      const s = get();
      const [g, other, u] = [`g-${newId()}`, `g-${newId()}`, newId()];
      const block = (group_id: string) => ({ group_id, user_id: u, until: at("2031-01-01T00:00:00.000Z"), blocked_by: newId(), created_at: new Date() });
      for (const x of [g, other]) {
        await s.groupSanctions.ban(ban(x, u, 1));
        await s.groupSanctions.blockPosting(block(x));
      }
      await s.groupSanctions.clearGroup(g);
      assert.equal(await s.groupSanctions.banOf(g, u), null);
      assert.equal(await s.groupSanctions.postBlockOf(g, u), null);
      assert.deepEqual(await s.groupSanctions.bans(g, 10), []);
      assert.ok(await s.groupSanctions.banOf(other, u));
      assert.ok(await s.groupSanctions.postBlockOf(other, u));
    });
  });

  describe("suspension", () => {
    const read = async (s: Storage, id: string, phone: string) => [await s.users.byId(id), await s.users.byPhone(phone), (await s.users.byIds([id]))[0]];

    it("setSuspension sets and lifts it; every read carries it; updated_at stays; an unknown user is null", async () => {
      const s = get();
      const u = await s.users.create(newUserInput());
      await clockPast(u.updated_at);
      const until = at("2031-02-03T04:05:06.789Z");
      const suspended = await s.users.setSuspension(u.id, { until, reason: "spam $x.y" });
      assert.deepEqual(suspended, { ...u, suspended_until: until, suspension_reason: "spam $x.y" });
      for (const r of await read(s, u.id, u.phone)) assert.deepEqual(r, suspended);
      const lifted = await s.users.setSuspension(u.id, null);
      assert.deepEqual(lifted, u);
      for (const r of await read(s, u.id, u.phone)) assert.deepEqual(r, u);
      assert.equal(await s.users.setSuspension(newId(), { until, reason: "x" }), null);
    });

    it("a profile update keeps the suspension", async () => {
      const s = get();
      const u = await s.users.create(newUserInput());
      await s.users.setSuspension(u.id, { until: at("9999-12-31T23:59:59.999Z"), reason: "indefinitely" });
      const updated = await s.users.update(u.id, { mood: "ok" });
      assert.deepEqual([updated?.suspended_until, updated?.suspension_reason], [at("9999-12-31T23:59:59.999Z"), "indefinitely"]);
    });
  });
}
