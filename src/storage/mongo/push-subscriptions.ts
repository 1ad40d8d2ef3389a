// Push subscriptions: one document per device, keyed by its id, unique on (type, address).
import { Schema, type Model } from "mongoose";
import type { PushSubscriptionRecord, PushSubscriptionRepository, PushType } from "../../push/push-subscription.repository.ts";

export interface PushSubscriptionDoc {
  _id: string;
  user_id: string;
  session_id: string;
  type: string;
  address: string;
  keys: { p256dh: string; auth: string } | null;
  platform: string | null;
  created_at: Date;
}

const req = (type: unknown) => ({ type, required: true });
export const pushSubscriptionSchema = new Schema(
  {
    _id: req(String),
    user_id: req(String),
    session_id: req(String),
    type: req(String),
    address: req(String),
    keys: { type: new Schema({ p256dh: req(String), auth: req(String) }, { _id: false }), default: null },
    platform: { type: String, default: null },
    created_at: req(Date),
  },
  { versionKey: false, minimize: false },
);
pushSubscriptionSchema.index({ type: 1, address: 1 }, { unique: true });
pushSubscriptionSchema.index({ user_id: 1, created_at: 1, _id: 1 });
pushSubscriptionSchema.index({ session_id: 1 });

export const toPushSubscription = (d: PushSubscriptionDoc): PushSubscriptionRecord => ({
  id: d._id,
  user_id: d.user_id,
  session_id: d.session_id,
  type: d.type as PushType,
  address: d.address,
  keys: d.keys ? { p256dh: d.keys.p256dh, auth: d.keys.auth } : null,
  platform: d.platform ?? null,
  created_at: d.created_at,
});

export const pushSubscriptionDoc = (s: PushSubscriptionRecord): PushSubscriptionDoc => ({
  _id: s.id,
  user_id: s.user_id,
  session_id: s.session_id,
  type: s.type,
  address: s.address,
  keys: s.keys ? { p256dh: s.keys.p256dh, auth: s.keys.auth } : null,
  platform: s.platform ?? null,
  created_at: s.created_at,
});

export function mongoPushSubscriptions(Sub: Model<PushSubscriptionDoc>): PushSubscriptionRepository {
  return {
    async upsert(s) {
      // One atomic upsert on the unique (type, address): the same device takes its document over.
      const doc = await Sub.findOneAndUpdate(
        { type: s.type, address: s.address },
        { $set: { user_id: s.user_id, session_id: s.session_id, keys: s.keys, platform: s.platform, created_at: s.created_at }, $setOnInsert: { _id: s.id } },
        { upsert: true, returnDocument: "after" },
      )
        .setOptions({ sanitizeFilter: true })
        .lean<PushSubscriptionDoc>();
      return toPushSubscription(doc!);
    },
    async byId(id) {
      const doc = await Sub.findById(id).setOptions({ sanitizeFilter: true }).lean<PushSubscriptionDoc>();
      return doc ? toPushSubscription(doc) : null;
    },
    async ofUser(userId) {
      return (await Sub.find({ user_id: userId }).setOptions({ sanitizeFilter: true }).sort({ created_at: 1, _id: 1 }).lean<PushSubscriptionDoc[]>()).map(toPushSubscription);
    },
    async ofUsers(userIds) {
      if (userIds.length === 0) return [];
      return (await Sub.find({ user_id: { $in: [...userIds] } }).lean<PushSubscriptionDoc[]>()).map(toPushSubscription);
    },
    async remove(id) {
      return (await Sub.deleteOne({ _id: id }).setOptions({ sanitizeFilter: true })).deletedCount === 1;
    },
    async removeOfSession(sessionId) {
      return (await Sub.deleteMany({ session_id: sessionId }).setOptions({ sanitizeFilter: true })).deletedCount;
    },
  };
}
