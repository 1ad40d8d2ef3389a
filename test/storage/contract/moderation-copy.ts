// The moderation tables in the copy suite (copy.contract.ts): what fill() adds, and what must
// read the same on both sides of a copy and keep working there.
import assert from "node:assert/strict";
import { newId } from "../../../src/shared/ids.ts";
import type { CopyTable } from "../../../src/storage/copy.ts";
import type { Storage } from "../../../src/storage/storage.ts";
import { at } from "./helpers.ts";

/** The fill's ids this part uses: users a, b, c (c owns the group, a is its admin). */
export interface ModerationIds {
  users: string[];
  groupId: string;
}

export const MODERATION_COUNTS = { reports: 2, group_bans: 1, group_post_blocks: 1 } satisfies Partial<Record<CopyTable, number>>;

/** An open message report (a about c's group message), a resolved user report (b about c), c suspended, b banned, a muted. */
export async function fillModeration(s: Storage, m: ModerationIds): Promise<void> {
  const [a, b, c] = m.users as [string, string, string];
  const groupKey = `group:${m.groupId}`;
  const [message] = await s.messages.latest(groupKey, 1);
  assert.ok(message, "the group has a message");
  const snapshot = { sender: { id: c, username: "c", display_name: "C", avatar_url: null }, text: message.text, kind: message.kind, media: null, sticker: null, seq: message.seq, created_at: message.created_at.toISOString() };
  await s.reports.file({ id: newId(), reporter_id: a, target_type: "message", target_user_id: c, conversation_key: groupKey, message_id: message.id, reason: "spam", note: "a.b $x", snapshot, created_at: at("2030-01-10T00:00:00.000Z") });
  const user = await s.reports.file({ id: newId(), reporter_id: b, target_type: "user", target_user_id: c, conversation_key: null, message_id: null, reason: "impersonation", note: null, snapshot: null, created_at: at("2030-01-10T00:00:01.000Z") });
  assert.ok(await s.reports.resolve(user.report.id, { action: "dismiss", note: "fine", by: a, at: at("2030-01-10T00:00:02.000Z") }));
  assert.ok(await s.users.setSuspension(c, { until: at("2031-01-01T00:00:00.000Z"), reason: "spam" }));
  await s.groupSanctions.ban({ group_id: m.groupId, user_id: b, banned_by: c, reason: null, created_at: at("2030-01-10T00:00:03.000Z") });
  await s.groupSanctions.blockPosting({ group_id: m.groupId, user_id: a, until: at("2031-01-01T00:00:00.000Z"), blocked_by: c, created_at: at("2030-01-10T00:00:04.000Z") });
}

/** What the moderation repositories answer, to compare across a copy. */
export async function readModeration(s: Storage, m: ModerationIds) {
  const [a, b, c] = m.users as [string, string, string];
  return {
    all: await s.reports.list({ limit: 100 }),
    open: await s.reports.list({ status: "open", limit: 100 }),
    ofGroup: await s.reports.list({ conversation_key: `group:${m.groupId}`, limit: 100 }),
    bans: await s.groupSanctions.bans(m.groupId, 10),
    banOfB: await s.groupSanctions.banOf(m.groupId, b),
    blockOfA: await s.groupSanctions.postBlockOf(m.groupId, a),
    suspensionOfC: (await s.users.byId(c))?.suspended_until ?? null,
  };
}

/** page() of each moderation table gives the repositories' own records. */
export async function assertModerationRows(s: Storage, m: ModerationIds, rows: (t: CopyTable) => Promise<Record<string, unknown>[]>): Promise<void> {
  const read = await readModeration(s, m);
  const byId = (xs: { id: string }[]) => [...xs].sort((p, q) => (p.id < q.id ? -1 : 1));
  assert.deepEqual(byId((await rows("reports")) as unknown as { id: string }[]), byId(read.all), "reports");
  assert.deepEqual(await rows("group_bans"), read.bans, "group_bans");
  assert.deepEqual(await rows("group_post_blocks"), [read.blockOfA], "group_post_blocks");
}

/** The copy keeps what moderation relies on: one open report per reporter and target, resolutions, bans. */
export async function assertModerationContinues(s: Storage, m: ModerationIds, label: string): Promise<void> {
  const read = await readModeration(s, m);
  assert.equal(read.open.length, 1, `${label}: one open report`);
  assert.ok(read.suspensionOfC && read.banOfB && read.blockOfA, `${label}: the suspension, the ban and the post block`);
  const open = read.open[0]!;
  const again = await s.reports.file({ ...open, id: newId(), note: "again", created_at: new Date() });
  assert.deepEqual([again.created, again.report.id], [false, open.id], `${label}: the open report is still the reporter's one for that message`);
  assert.ok(await s.reports.resolve(open.id, { action: "dismiss", note: null, by: m.users[2]!, at: new Date() }), `${label}: it resolves`);
  assert.equal(await s.reports.resolve(open.id, { action: "dismiss", note: null, by: m.users[2]!, at: new Date() }), null, `${label}: once`);
  assert.equal((await s.groupSanctions.ban({ ...read.banOfB!, created_at: new Date() })).created, false, `${label}: the ban is known`);
}
