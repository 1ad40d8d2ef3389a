// Sticker packs: seeded once, listed by clients, and checked when a sticker message is sent.
import { AppError } from "../shared/errors.ts";
import { DEFAULT_PACKS, stickerUrl } from "./default-packs.ts";
import type { StickerRepository } from "./sticker.repository.ts";

export function createStickerService(d: { stickers: StickerRepository }) {
  return {
    /** Idempotent: inserts missing default packs, leaves existing ones alone. */
    async seedDefaults() {
      const now = new Date();
      await d.stickers.seed(DEFAULT_PACKS.map((pack) => ({ id: pack.id, name: pack.name, stickers: pack.stickers.map((s) => ({ ...s, url: stickerUrl(pack.id, s.id) })), created_at: now })));
    },
    async list() {
      const packs = await d.stickers.list();
      return packs.map((p) => ({ id: p.id, name: p.name, stickers: p.stickers }));
    },
    async find(packId: string, stickerId: string) {
      const pack = await d.stickers.byId(packId);
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
