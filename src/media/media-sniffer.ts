// Decides what an upload is from its bytes (file-type reads the magic numbers and container
// headers), against an allow-list. The client's Content-Type and filename are never consulted:
// a renamed executable is an executable, whatever it is called.
import { fileTypeFromFile } from "file-type";
import { AppError } from "../shared/errors.ts";
import type { MediaType } from "./media-storage.ts";

export interface SniffedType {
  type: MediaType;
  /** The extension and Content-Type we store and serve it with. */
  ext: string;
  contentType: string;
}

interface Rule extends SniffedType {
  /** MP4 and WebM carry either video or audio only (voice notes); the client's `kind` picks. */
  asAudio?: { ext: string; contentType: string };
}

// Keyed by file-type's `ext`, which is unique per detected format.
const ALLOWED: Record<string, Rule> = {
  jpg: { type: "image", ext: "jpg", contentType: "image/jpeg" },
  png: { type: "image", ext: "png", contentType: "image/png" },
  webp: { type: "image", ext: "webp", contentType: "image/webp" },
  gif: { type: "image", ext: "gif", contentType: "image/gif" },
  mp4: { type: "video", ext: "mp4", contentType: "video/mp4", asAudio: { ext: "m4a", contentType: "audio/mp4" } },
  webm: { type: "video", ext: "webm", contentType: "video/webm", asAudio: { ext: "weba", contentType: "audio/webm" } },
  mp3: { type: "audio", ext: "mp3", contentType: "audio/mpeg" },
  opus: { type: "audio", ext: "ogg", contentType: "audio/ogg" },
  ogg: { type: "audio", ext: "ogg", contentType: "audio/ogg" },
  m4a: { type: "audio", ext: "m4a", contentType: "audio/mp4" },
  wav: { type: "audio", ext: "wav", contentType: "audio/wav" },
  pdf: { type: "document", ext: "pdf", contentType: "application/pdf" },
};

/** Content-Type for every extension we ever store, so static serving never guesses. */
export const CONTENT_TYPE_BY_EXT: Record<string, string> = Object.fromEntries(
  Object.values(ALLOWED).flatMap((r) => [[r.ext, r.contentType], ...(r.asAudio ? [[r.asAudio.ext, r.asAudio.contentType]] : [])]),
);
// Image previews and thumbnails are always WebP.
CONTENT_TYPE_BY_EXT.webp = "image/webp";

export const ALLOWED_DESCRIPTION = "images (jpeg, png, webp, gif), video (mp4, webm), audio (mp3, ogg/opus, m4a, wav, webm) or PDF documents";

/**
 * Sniffs the file and resolves its media type. `kind` is the client's hint: it may only pick
 * between readings of an ambiguous container (MP4/WebM as audio), or confirm the sniffed type.
 */
export async function sniffMedia(path: string, kind?: MediaType): Promise<SniffedType> {
  const detected = await fileTypeFromFile(path);
  const rule = detected ? ALLOWED[detected.ext] : undefined;
  if (!rule) {
    const what = detected ? detected.mime : "an unrecognised format";
    throw new AppError("unsupported_media_type", `file: ${what} is not allowed; send ${ALLOWED_DESCRIPTION}`);
  }
  if (kind === "audio" && rule.asAudio) return { type: "audio", ...rule.asAudio };
  if (kind && kind !== rule.type) {
    throw new AppError("unsupported_media_type", `file: is ${detected!.mime}, which is not a valid ${kind}`);
  }
  return { type: rule.type, ext: rule.ext, contentType: rule.contentType };
}
