// Account deletion jobs and their bulk writes on MongoDB (src/account/account-deletion.repository.ts).
// A page of messages is three requests whatever its size (find the page, one updateMany, one
// deleteMany of its reactions): a 10k-message account is about 60 round trips, not 10k.
import type { Model } from "mongoose";
import type { AccountDeletionRepository, DeletionJob, DeletionStep } from "../../account/account-deletion.repository.ts";
import type { AccountDeletionDoc } from "./account-deletion-schema.ts";
import type { BlockDoc } from "./blocks.ts";
import { tombstoneContent } from "../../messaging/message.repository.ts";
import { isDuplicateKey } from "./errors.ts";
import type { GroupDoc, MessageDoc, ReactionDoc } from "./messaging-schemas.ts";
import type { PushSubscriptionDoc } from "./push-subscriptions.ts";
import type { ProfileDoc, UploadDoc, UserDoc } from "./schemas.ts";
import { toUpload } from "./small-repos.ts";

const toJob = (d: AccountDeletionDoc): DeletionJob => ({
  user_id: d._id,
  step: d.step as DeletionStep,
  cursor: d.cursor ?? null,
  started_at: d.started_at,
  updated_at: d.updated_at,
  finished_at: d.finished_at ?? null,
});

export interface AccountDeletionModels {
  Job: Model<AccountDeletionDoc>;
  User: Model<UserDoc>;
  Message: Model<MessageDoc>;
  Reaction: Model<ReactionDoc>;
  Upload: Model<UploadDoc>;
  Profile: Model<ProfileDoc>;
  PushSubscription: Model<PushSubscriptionDoc>;
  Block: Model<BlockDoc>;
  Group: Model<GroupDoc>;
}

export function mongoAccountDeletions(m: AccountDeletionModels): AccountDeletionRepository {
  const job = async (userId: string) => {
    const d = await m.Job.findOne({ _id: userId }).setOptions({ sanitizeFilter: true }).lean<AccountDeletionDoc>();
    return d ? toJob(d) : null;
  };
  return {
    async begin(userId, at, t) {
      let existing = await job(userId);
      if (!existing) {
        if (!(await m.User.exists({ _id: userId }).setOptions({ sanitizeFilter: true }))) return null;
        try {
          await m.Job.collection.insertOne({ _id: userId, step: "sessions", cursor: null, started_at: at, updated_at: at, finished_at: null } as never);
        } catch (err) {
          if (!isDuplicateKey(err)) throw err;
        }
        existing = await job(userId);
      }
      // Redone while the job runs (a crash between the two writes is finished by the resume).
      if (existing && !existing.finished_at) {
        await m.User.updateOne(
          { _id: userId },
          { $set: { phone: t.phone, username: t.username, display_name: t.display_name, password_hash: "", email: null, mood: null, avatar_url: null, bubble_color: null,
            suspended_until: t.suspended_until, suspension_reason: t.suspension_reason, updated_at: at } },
        ).setOptions({ sanitizeFilter: true });
      }
      return existing;
    },
    job,
    async unfinished(limit) {
      return (await m.Job.find({ finished_at: null }).sort({ started_at: 1 }).limit(limit).lean<AccountDeletionDoc[]>()).map(toJob);
    },
    async advance(userId, step, cursor, at) {
      await m.Job.updateOne({ _id: userId }, { $set: { step, cursor, updated_at: at, finished_at: step === "done" ? at : null } }).setOptions({ sanitizeFilter: true });
    },
    async tombstoneMessagesOf(userId, afterId, limit, card, at) {
      const page = await m.Message.find({ sender_id: userId, _id: { $gt: afterId ?? "" } }, { _id: 1, conversation_key: 1 })
        .sort({ sender_id: 1, _id: 1 })
        .limit(limit)
        .lean<Pick<MessageDoc, "_id" | "conversation_key">[]>();
      if (page.length === 0) return { lastId: null, count: 0, keys: [] };
      const ids = page.map((p) => p._id);
      await m.Message.updateMany({ _id: { $in: ids }, deleted: false }, { $set: { deleted_at: at } });
      await m.Message.updateMany(
        { _id: { $in: ids } },
        { $set: { sender: card, deleted: true, ...tombstoneContent() } },
      );
      await m.Reaction.deleteMany({ message_id: { $in: ids } });
      return { lastId: ids[ids.length - 1]!, count: ids.length, keys: [...new Set(page.map((p) => p.conversation_key))] };
    },
    async removeReactionsOf(userId, limit) {
      const page = await m.Reaction.find({ user_id: userId }, { _id: 1 }).limit(limit).lean<Pick<ReactionDoc, "_id">[]>();
      if (!page.length) return 0;
      return (await m.Reaction.deleteMany({ _id: { $in: page.map((p) => p._id) } })).deletedCount;
    },
    async uploadsOf(userId, afterId, limit) {
      return (await m.Upload.find({ owner_id: userId, _id: { $gt: afterId ?? "" } }).sort({ owner_id: 1, _id: 1 }).limit(limit).lean<UploadDoc[]>()).map(toUpload);
    },
    async removeUploads(ids) {
      if (ids.length) await m.Upload.deleteMany({ _id: { $in: [...ids] } });
    },
    async removePersonalData(userId) {
      await m.Profile.deleteOne({ _id: userId }).setOptions({ sanitizeFilter: true });
      await m.PushSubscription.deleteMany({ user_id: userId }).setOptions({ sanitizeFilter: true });
      await m.Block.deleteMany({ blocker_id: userId }).setOptions({ sanitizeFilter: true });
      await m.Block.deleteMany({ blocked_id: userId }).setOptions({ sanitizeFilter: true });
    },
    async setGroupOwner(groupId, ownerId) {
      await m.Group.updateOne({ _id: groupId }, { $set: { owner_id: ownerId, updated_at: new Date() } }).setOptions({ sanitizeFilter: true });
    },
  };
}
