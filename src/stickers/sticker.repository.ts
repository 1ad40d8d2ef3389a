export interface StickerPackRecord {
  id: string;
  name: string;
  stickers: { id: string; emoji: string; label: string; url: string }[];
  created_at: Date;
}

export interface StickerRepository {
  /** Inserts the packs that do not exist yet; existing ones are left alone. Safe from several nodes at once. */
  seed(packs: readonly StickerPackRecord[]): Promise<void>;
  /** All packs by id. */
  list(): Promise<StickerPackRecord[]>;
  byId(id: string): Promise<StickerPackRecord | null>;
}
