// Every moderation repository method (issue 15) and the branches that issue different
// statements or queries, for the SQLite plan test and the MongoDB query-shape test.
import assert from "node:assert/strict";
import { newId } from "../../src/shared/ids.ts";
import type { Storage } from "../../src/storage/storage.ts";

export async function exerciseModeration(s: Storage, userId: string): Promise<void> {
  const at = new Date();
  const key = `group:g-${newId()}`;
  const message = { id: newId(), reporter_id: userId, target_type: "message" as const, target_user_id: newId(), conversation_key: key, message_id: newId(), reason: "spam" as const, note: null, snapshot: null, created_at: at };
  const first = await s.reports.file(message);
  await s.reports.file({ ...message, id: newId(), note: "again" }); // the update branch
  await s.reports.file({ id: newId(), reporter_id: userId, target_type: "user", target_user_id: newId(), conversation_key: null, message_id: null, reason: "other", note: null, snapshot: null, created_at: at });
  await s.reports.byId(first.report.id);
  for (const conversation_key of [key, undefined]) {
    for (const status of ["open", "resolved", undefined] as const) {
      await s.reports.list({ conversation_key, status, limit: 10 });
      await s.reports.list({ conversation_key, status, before: first.report.id, limit: 10 });
    }
  }
  assert.ok(await s.reports.resolve(first.report.id, { action: "dismiss", note: null, by: userId, at }));
  await s.reports.resolve(first.report.id, { action: "dismiss", note: null, by: userId, at });

  const groupId = key.slice("group:".length);
  const ban = { group_id: groupId, user_id: newId(), banned_by: userId, reason: null, created_at: at };
  await s.groupSanctions.ban(ban);
  await s.groupSanctions.ban({ ...ban, reason: "again" });
  await s.groupSanctions.banOf(groupId, ban.user_id);
  await s.groupSanctions.bans(groupId, 10);
  await s.groupSanctions.blockPosting({ group_id: groupId, user_id: ban.user_id, until: new Date(Date.now() + 60_000), blocked_by: userId, created_at: at });
  await s.groupSanctions.postBlockOf(groupId, ban.user_id);
  await s.groupSanctions.postBlocks(groupId, new Date(), 100);
  await s.groupSanctions.unblockPosting(groupId, ban.user_id);
  await s.groupSanctions.unban(groupId, ban.user_id);
  await s.groupSanctions.blockPosting({ group_id: groupId, user_id: ban.user_id, until: at, blocked_by: userId, created_at: at });
  await s.groupSanctions.ban(ban);
  await s.groupSanctions.clearGroup(groupId);

  await s.users.setSuspension(userId, { until: new Date(Date.now() + 60_000), reason: "test" });
  await s.users.setSuspension(userId, null);
  await s.users.setSuspension(newId(), null);
}
