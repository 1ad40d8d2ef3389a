import type { MediaType } from "../../media/media-storage.ts";
import type { UploadRecord, UploadRepository } from "../../media/upload.repository.ts";
import { asyncRepo, date, json, ms, num, parse, str, type Row, type SqliteDb, type Sync } from "./database.ts";

export function uploadFromRow(r: Row): UploadRecord {
  return { id: str(r.id), owner_id: str(r.owner_id), type: str(r.type) as MediaType, urls: parse<string[]>(r.urls), bytes: num(r.bytes), created_at: date(r.created_at) };
}

/** The upload and one upload_urls row per URL, so byUrl is a key lookup. Replaces one with the same id. */
export function putUpload(db: SqliteDb, u: UploadRecord): void {
  db.tx(() => {
    db.run(
      "INSERT OR REPLACE INTO uploads (id, owner_id, type, urls, bytes, created_at) VALUES (?, ?, ?, ?, ?, ?)",
      u.id, u.owner_id, u.type, json(u.urls ?? []), u.bytes, ms(u.created_at),
    );
    for (const url of u.urls ?? []) db.run("INSERT OR REPLACE INTO upload_urls (url, upload_id) VALUES (?, ?)", url, u.id);
  });
}

export function sqliteUploads(db: SqliteDb): UploadRepository {
  const repo: Sync<UploadRepository> = {
    record(u) {
      putUpload(db, u);
    },
    byUrl(url) {
      const r = db.get("SELECT u.* FROM upload_urls x JOIN uploads u ON u.id = x.upload_id WHERE x.url = ?", url);
      return r ? uploadFromRow(r) : null;
    },
  };
  return asyncRepo(db, repo);
}
