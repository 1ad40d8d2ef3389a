// Group bans and post blocks (src/moderation/group-sanctions.repository.ts): one document
// per (group, user) in each collection, under `<group_id>#<user_id>`.
import type { Model } from "mongoose";
import type { GroupBanRecord, GroupSanctionRepository, PostBlockRecord } from "../../moderation/group-sanctions.repository.ts";
import { isDuplicateKey } from "./errors.ts";
import type { GroupBanDoc, PostBlockDoc } from "./moderation-schemas.ts";

const idOf = (groupId: string, userId: string) => `${groupId}#${userId}`;

export const toBan = (d: GroupBanDoc): GroupBanRecord => ({ group_id: d.group_id, user_id: d.user_id, banned_by: d.banned_by, reason: d.reason ?? null, created_at: d.created_at });
export const banDoc = (b: GroupBanRecord): GroupBanDoc => ({ _id: idOf(b.group_id, b.user_id), ...b, reason: b.reason ?? null });
export const toPostBlock = (d: PostBlockDoc): PostBlockRecord => ({ group_id: d.group_id, user_id: d.user_id, until: d.until, blocked_by: d.blocked_by, created_at: d.created_at });
export const postBlockDoc = (b: PostBlockRecord): PostBlockDoc => ({ _id: idOf(b.group_id, b.user_id), ...b });

/** Replaces the document by _id or inserts it; true when inserted. Two first writes at once (an upsert is not atomic on FerretDB v1): the second replaces. */
async function put<D extends { _id: string }>(model: Model<D>, doc: D): Promise<boolean> {
  for (let attempt = 0; ; attempt++) {
    try {
      const r = await model.replaceOne({ _id: doc._id }, doc, { upsert: true });
      return r.upsertedCount === 1;
    } catch (err) {
      if (!isDuplicateKey(err) || attempt >= 2) throw err;
    }
  }
}

export function mongoGroupSanctions(d: { Ban: Model<GroupBanDoc>; PostBlock: Model<PostBlockDoc> }): GroupSanctionRepository {
  const { Ban, PostBlock } = d;
  return {
    async ban(b) {
      return { created: await put(Ban, banDoc(b)) };
    },
    async unban(groupId, userId) {
      return (await Ban.deleteOne({ _id: idOf(groupId, userId) })).deletedCount === 1;
    },
    async banOf(groupId, userId) {
      const doc = await Ban.findById(idOf(groupId, userId)).lean<GroupBanDoc>();
      return doc ? toBan(doc) : null;
    },
    async bans(groupId, limit) {
      if (limit <= 0) return [];
      return (await Ban.find({ group_id: groupId }).sort({ created_at: -1, user_id: -1 }).limit(limit).lean<GroupBanDoc[]>()).map(toBan);
    },
    async blockPosting(b) {
      await put(PostBlock, postBlockDoc(b));
    },
    async unblockPosting(groupId, userId) {
      return (await PostBlock.deleteOne({ _id: idOf(groupId, userId) })).deletedCount === 1;
    },
    async postBlockOf(groupId, userId) {
      const doc = await PostBlock.findById(idOf(groupId, userId)).lean<PostBlockDoc>();
      return doc ? toPostBlock(doc) : null;
    },
    async postBlocks(groupId, now, limit) {
      if (limit <= 0) return [];
      return (await PostBlock.find({ group_id: groupId, until: { $gt: now } }).sort({ until: 1, user_id: 1 }).limit(limit).lean<PostBlockDoc[]>()).map(toPostBlock);
    },
    async clearGroup(groupId) {
      await Ban.deleteMany({ group_id: groupId });
      await PostBlock.deleteMany({ group_id: groupId });
    },
  };
}
