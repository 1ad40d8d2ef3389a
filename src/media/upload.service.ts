// Turns a received temporary file into stored media: refuse empty files, sniff the type from
// the bytes, apply the per-type size limit, re-encode images, then hand it to the storage.
// The transport (multipart) stays in src/http; this service sees only a file on disk.
import { join } from "node:path";
import { AppError } from "../shared/errors.ts";
import { sanitizeImage } from "./image-processor.ts";
import { sniffMedia } from "./media-sniffer.ts";
import type { MediaStorage, MediaType, StoredMedia, VettedFile } from "./media-storage.ts";

export interface ReceivedFile {
  /** The raw upload, in a per-request scratch directory the transport deletes afterwards. */
  path: string;
  bytes: number;
  scratchDir: string;
}

export interface StoreOptions {
  /** The client's hint (`kind` field); see sniffMedia. */
  kind?: MediaType | undefined;
  /** Which types this endpoint takes (an avatar takes images only). Default: all. */
  accept?: readonly MediaType[];
}

const LABEL: Record<MediaType, string> = { image: "an image", video: "a video", audio: "an audio file", document: "a document" };

export function createUploadService(deps: { storage: MediaStorage; maxBytes: Record<MediaType, number> }) {
  const { storage, maxBytes } = deps;

  return {
    storage,

    /** The largest file any of these types may be: the streaming cap, before the type is known. */
    maxFileBytes(accept: readonly MediaType[] = ["image", "video", "audio", "document"]): number {
      return Math.max(...accept.map((t) => maxBytes[t]));
    },

    async store(file: ReceivedFile, opts: StoreOptions = {}): Promise<StoredMedia> {
      if (file.bytes === 0) throw new AppError("validation_error", "file: is empty", { fields: [{ field: "file", message: "is empty" }] });
      const sniffed = await sniffMedia(file.path, opts.kind);
      if (opts.accept && !opts.accept.includes(sniffed.type)) {
        throw new AppError("unsupported_media_type", `file: must be ${opts.accept.map((t) => LABEL[t]).join(" or ")}, not ${LABEL[sniffed.type]}`);
      }
      const limit = maxBytes[sniffed.type];
      if (file.bytes > limit) {
        throw new AppError("payload_too_large", `file: ${LABEL[sniffed.type]} may be at most ${limit} bytes (got ${file.bytes})`);
      }
      let vetted: VettedFile = { path: file.path, type: sniffed.type, ext: sniffed.ext, contentType: sniffed.contentType, bytes: file.bytes };
      if (sniffed.type === "image") {
        const cleanPath = join(file.scratchDir, `clean.${sniffed.ext}`);
        const clean = await sanitizeImage(file.path, cleanPath, sniffed.ext);
        vetted = { ...vetted, path: cleanPath, bytes: clean.bytes, width: clean.width, height: clean.height, animated: clean.animated };
      }
      return storage.save(vetted);
    },
  };
}

export type UploadService = ReturnType<typeof createUploadService>;
