import { Schema, type Connection, type Model } from "mongoose";

export interface StickerPackDoc {
  _id: string;
  name: string;
  stickers: { id: string; emoji: string; label: string; url: string }[];
  created_at: Date;
}

const schema = new Schema<StickerPackDoc>(
  {
    _id: { type: String, required: true },
    name: { type: String, required: true },
    stickers: { type: [{ _id: false, id: String, emoji: String, label: String, url: String }], default: [] },
    created_at: { type: Date, default: () => new Date() },
  },
  { versionKey: false },
);

export type StickerPackModel = Model<StickerPackDoc>;
export function defineStickerPackModel(conn: Connection): StickerPackModel {
  return conn.model<StickerPackDoc>("StickerPack", schema, "sticker_packs");
}
