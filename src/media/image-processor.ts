// Image work done with sharp. Every uploaded image is decoded and re-encoded: that drops
// EXIF/GPS and other metadata (sharp copies none unless asked), applies the EXIF rotation
// first so nothing looks sideways afterwards, and turns a polyglot or trailing payload into
// plain pixels. The pixel count is read from the header and checked before anything is
// decoded, so a small file that would decode into a huge bitmap is refused at no cost.
import sharp, { type Metadata } from "sharp";
import { AppError } from "../shared/errors.ts";

/** The hard ceiling for any decode (the configured limit is lower); sharp enforces it too. */
export const MAX_INPUT_PIXELS = 40_000_000;
export const PREVIEW_MAX_SIDE = 1280;
export const THUMBNAIL_MAX_SIDE = 320;

const ANIMATABLE = new Set(["gif", "webp"]);

export interface CleanImage {
  width: number;
  height: number;
  bytes: number;
  animated: boolean;
}

/** Refuses an image whose header announces more than `maxPixels` (all frames counted); decodes nothing. */
async function assertPixelBudget(input: string, animated: boolean, maxPixels: number) {
  let meta: Metadata;
  try {
    meta = await sharp(input, { animated, limitInputPixels: false }).metadata();
  } catch (err) {
    throw new AppError("unsupported_media_type", `file: is not a decodable image (${(err as Error).message})`);
  }
  const width = meta.width ?? 0;
  const height = meta.pageHeight ?? meta.height ?? 0;
  const pixels = width * height * (meta.pages ?? 1);
  if (pixels > maxPixels) {
    throw new AppError("payload_too_large", `file: ${width}×${height}${(meta.pages ?? 1) > 1 ? ` × ${meta.pages} frames` : ""} is ${pixels} pixels; at most ${maxPixels} are accepted`);
  }
}

/** Re-encodes `input` into `output` in the same format, without metadata. */
export async function sanitizeImage(input: string, output: string, ext: string, maxPixels = MAX_INPUT_PIXELS): Promise<CleanImage> {
  const animated = ANIMATABLE.has(ext);
  await assertPixelBudget(input, animated, Math.min(maxPixels, MAX_INPUT_PIXELS));
  let img = sharp(input, { animated, autoOrient: true, limitInputPixels: MAX_INPUT_PIXELS });
  if (ext === "jpg") img = img.jpeg({ quality: 88 });
  else if (ext === "png") img = img.png();
  else if (ext === "webp") img = img.webp({ quality: 88 });
  else if (ext === "gif") img = img.gif();
  else throw new Error(`sanitizeImage: unexpected format ${ext}`);
  try {
    const info = await img.toFile(output);
    const pages = info.pages ?? 1;
    return { width: info.width, height: info.pageHeight ?? info.height, bytes: info.size, animated: pages > 1 };
  } catch (err) {
    // The magic bytes said image, but the pixels do not decode (truncated, corrupt, too large).
    throw new AppError("unsupported_media_type", `file: is not a decodable image (${(err as Error).message})`);
  }
}

/** Writes the WebP preview (animated when the source is) and the first-frame thumbnail. */
export async function writeRenditions(input: string, previewPath: string, thumbnailPath: string, animated: boolean): Promise<void> {
  const inside = (side: number) => ({ width: side, height: side, fit: "inside" as const, withoutEnlargement: true });
  await sharp(input, { animated, limitInputPixels: MAX_INPUT_PIXELS }).resize(inside(PREVIEW_MAX_SIDE)).webp({ quality: 80 }).toFile(previewPath);
  await sharp(input, { limitInputPixels: MAX_INPUT_PIXELS }).resize(inside(THUMBNAIL_MAX_SIDE)).webp({ quality: 70 }).toFile(thumbnailPath);
}
