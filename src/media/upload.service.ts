// Turns a received temporary file into stored media: refuse empty files, sniff the type from
// the bytes, apply the per-type size limit, re-encode images, then hand it to the storage.
// The transport (multipart) stays in src/http; this service sees only a file on disk.
import { join } from "node:path";
import { AppError } from "../shared/errors.ts";
import { sanitizeImage } from "./image-processor.ts";
import { sniffMedia } from "./media-sniffer.ts";
import type { MediaStorage, MediaType, StoredMedia, VettedFile } from "./media-storage.ts";
import type { UploadRepository } from "./upload.repository.ts";
import { newId } from "../shared/ids.ts";
import { concurrencyLimit } from "../shared/concurrency-limit.ts";

export interface ReceivedFile {
  /** The raw upload, in a per-request scratch directory the transport deletes afterwards. */
  path: string;
  bytes: number;
  scratchDir: string;
}

export interface StoreOptions {
  /** Who uploads it: only this user may attach it to a message. */
  owner: string;
  /** The client's hint (`kind` field); see sniffMedia. */
  kind?: MediaType | undefined;
  /** Which types this endpoint takes (an avatar takes images only). Default: all. */
  accept?: readonly MediaType[];
}

const LABEL: Record<MediaType, string> = { image: "an image", video: "a video", audio: "an audio file", document: "a document" };

export function createUploadService(deps: { storage: MediaStorage; uploads: UploadRepository; maxBytes: Record<MediaType, number>; maxImagePixels: number; imageConcurrency: number }) {
  const { storage, maxBytes } = deps;
  // Decoding and re-encoding images is the costly part of an upload (CPU and memory grow
  // with the pixels): a few at a time, the rest wait.
  const imageSlot = concurrencyLimit(deps.imageConcurrency);

  return {
    storage,

    /** Whether `url` is media this server stored for `userId`. */
    async ownedBy(url: string, userId: string): Promise<boolean> {
      return storage.isOwnUrl(url) && (await deps.uploads.byUrl(url))?.owner_id === userId;
    },

    /** The largest file any of these types may be: the streaming cap, before the type is known. */
    maxFileBytes(accept: readonly MediaType[] = ["image", "video", "audio", "document"]): number {
      return Math.max(...accept.map((t) => maxBytes[t]));
    },

    async store(file: ReceivedFile, opts: StoreOptions): Promise<StoredMedia> {
      if (file.bytes === 0) throw new AppError("validation_error", "file: is empty", { fields: [{ field: "file", message: "is empty" }] });
      const sniffed = await sniffMedia(file.path, opts.kind);
      if (opts.accept && !opts.accept.includes(sniffed.type)) {
        throw new AppError("unsupported_media_type", `file: must be ${opts.accept.map((t) => LABEL[t]).join(" or ")}, not ${LABEL[sniffed.type]}`);
      }
      const limit = maxBytes[sniffed.type];
      if (file.bytes > limit) {
        throw new AppError("payload_too_large", `file: ${LABEL[sniffed.type]} may be at most ${limit} bytes (got ${file.bytes})`);
      }
      const vetted: VettedFile = { path: file.path, type: sniffed.type, ext: sniffed.ext, contentType: sniffed.contentType, bytes: file.bytes };
      const stored =
        sniffed.type === "image"
          ? await imageSlot(async () => {
              const cleanPath = join(file.scratchDir, `clean.${sniffed.ext}`);
              const clean = await sanitizeImage(file.path, cleanPath, sniffed.ext, deps.maxImagePixels);
              // Saving writes the renditions (a second decode): inside the same slot.
              return storage.save({ ...vetted, path: cleanPath, bytes: clean.bytes, width: clean.width, height: clean.height, animated: clean.animated });
            })
          : await storage.save(vetted);
      const urls = [stored.original, stored.preview, stored.thumbnail].filter((u): u is string => Boolean(u));
      try {
        await deps.uploads.record({ id: newId(), owner_id: opts.owner, type: stored.type, urls, bytes: stored.bytes, created_at: new Date() });
      } catch (err) {
        // Not recorded, not attachable: do not keep the file either.
        await storage.remove(stored).catch(() => {});
        throw err;
      }
      return stored;
    },
  };
}

export type UploadService = ReturnType<typeof createUploadService>;
