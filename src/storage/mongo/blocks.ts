// Blocks on MongoDB: one document per pair under `_id` "<blocker>:<blocked>", so that a
// block is made once by an insert (the only write FerretDB v1 makes atomically) and a
// second block of the same pair is a duplicate key, not a second document.
import { Schema, type Model, type mongo } from "mongoose";
import { newestBlockFirst, type BlockRecord, type BlockRepository } from "../../safety/block.repository.ts";
import { inserted } from "./errors.ts";

export interface BlockDoc {
  _id: string;
  blocker_id: string;
  blocked_id: string;
  created_at: Date;
}

const req = (type: unknown) => ({ type, required: true });
export const blockSchema = new Schema({ _id: req(String), blocker_id: req(String), blocked_id: req(String), created_at: req(Date) }, { versionKey: false, minimize: false });
// "Whom did X block" and "who blocked X": the two branches of `involving`, and byBlocker.
blockSchema.index({ blocker_id: 1 });
blockSchema.index({ blocked_id: 1 });

export const blockId = (blockerId: string, blockedId: string) => `${blockerId}:${blockedId}`;

export const toBlock = (d: BlockDoc): BlockRecord => ({ blocker_id: d.blocker_id, blocked_id: d.blocked_id, created_at: d.created_at });
export const blockDoc = (b: BlockRecord): BlockDoc => ({ _id: blockId(b.blocker_id, b.blocked_id), blocker_id: b.blocker_id, blocked_id: b.blocked_id, created_at: b.created_at });

export function mongoBlocks(Block: Model<BlockDoc>): BlockRepository {
  const collection = Block.collection as unknown as mongo.Collection<BlockDoc>;
  return {
    add: (b) => inserted(collection.insertOne(blockDoc(b))),
    async remove(blockerId, blockedId) {
      return (await Block.deleteOne({ _id: blockId(blockerId, blockedId) }).setOptions({ sanitizeFilter: true })).deletedCount === 1;
    },
    async byBlocker(blockerId) {
      const docs = await Block.find({ blocker_id: blockerId }).setOptions({ sanitizeFilter: true }).lean<BlockDoc[]>();
      return docs.map(toBlock).sort(newestBlockFirst);
    },
    async involving(userIds) {
      if (userIds.length === 0) return [];
      const ids = [...userIds];
      const docs = await Block.find({ $or: [{ blocker_id: { $in: ids } }, { blocked_id: { $in: ids } }] }).lean<BlockDoc[]>();
      return docs.map(toBlock);
    },
  };
}
