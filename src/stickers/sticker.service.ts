// Sticker packs: seeded once, listed by clients, and checked when a sticker message is sent.
import { isDuplicateKeyError } from "../infra/mongo.ts";
import { AppError } from "../shared/errors.ts";
import { DEFAULT_PACKS, stickerUrl } from "./default-packs.ts";
import type { StickerPackModel } from "./sticker.model.ts";

export function createStickerService(d: { StickerPack: StickerPackModel }) {
  return {
    /** Idempotent: inserts missing default packs, leaves existing ones alone. */
    async seedDefaults() {
      for (const pack of DEFAULT_PACKS) {
        // Several nodes starting together race on the upsert; the loser's duplicate key is fine.
        await d.StickerPack.updateOne(
          { _id: pack.id },
          { $setOnInsert: { name: pack.name, stickers: pack.stickers.map((s) => ({ ...s, url: stickerUrl(pack.id, s.id) })), created_at: new Date() } },
          { upsert: true },
        ).catch((err: unknown) => {
          if (!isDuplicateKeyError(err)) throw err;
        });
      }
    },
    async list() {
      const packs = await d.StickerPack.find().sort({ _id: 1 }).lean();
      return packs.map((p) => ({ id: p._id, name: p.name, stickers: p.stickers }));
    },
    async find(packId: string, stickerId: string) {
      const pack = await d.StickerPack.findById(packId).lean();
      return pack?.stickers.find((s) => s.id === stickerId) ?? null;
    },
    /** A sticker message must name a sticker that exists, with its real URL. */
    async assertValid(ref: { pack_id: string; sticker_id: string; url: string }) {
      const sticker = await this.find(ref.pack_id, ref.sticker_id);
      if (!sticker) throw new AppError("validation_error", `sticker: no sticker ${ref.sticker_id} in pack ${ref.pack_id}`);
      if (sticker.url !== ref.url) throw new AppError("validation_error", `sticker.url: must be ${sticker.url}`);
    },
  };
}

export type StickerService = ReturnType<typeof createStickerService>;
