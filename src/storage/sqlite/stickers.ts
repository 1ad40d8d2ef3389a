import type { StickerPackRecord, StickerRepository } from "../../stickers/sticker.repository.ts";
import { asyncRepo, date, json, ms, parse, str, type Row, type SqliteDb, type Sync } from "./database.ts";

export function stickerPackFromRow(r: Row): StickerPackRecord {
  return { id: str(r.id), name: str(r.name), stickers: parse<StickerPackRecord["stickers"]>(r.stickers), created_at: date(r.created_at) };
}

export function putStickerPack(db: SqliteDb, p: StickerPackRecord, replace: boolean): void {
  db.run(
    `INSERT OR ${replace ? "REPLACE" : "IGNORE"} INTO sticker_packs (id, name, stickers, created_at) VALUES (?, ?, ?, ?)`,
    p.id, p.name, json(p.stickers ?? []), ms(p.created_at),
  );
}

export function sqliteStickers(db: SqliteDb): StickerRepository {
  const repo: Sync<StickerRepository> = {
    seed(packs) {
      db.tx(() => packs.forEach((p) => putStickerPack(db, p, false)));
    },
    list() {
      return db.all("SELECT * FROM sticker_packs ORDER BY id").map(stickerPackFromRow);
    },
    byId(id) {
      const r = db.get("SELECT * FROM sticker_packs WHERE id = ?", id);
      return r ? stickerPackFromRow(r) : null;
    },
  };
  return asyncRepo(db, repo);
}
