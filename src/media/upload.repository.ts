// What was uploaded, by whom: a message may only carry media its sender uploaded.
import type { MediaType } from "./media-storage.ts";

export interface UploadRecord {
  id: string;
  owner_id: string;
  type: MediaType;
  /** The URLs the media is served under (original, preview, thumbnail). */
  urls: string[];
  bytes: number;
  created_at: Date;
}

export interface UploadRepository {
  record(u: UploadRecord): Promise<void>;
  /** The upload that serves this URL, if any. */
  byUrl(url: string): Promise<UploadRecord | null>;
}
