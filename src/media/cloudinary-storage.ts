// Cloudinary storage (cluster mode). Uploads go through the SDK's signed `uploader.upload`;
// previews and thumbnails are eager transformations, made during the upload so their URLs
// are final when the client gets them. Credentials are passed on every call rather than
// through the SDK's process-wide `cloudinary.config()`, so nothing global is mutated.
import { randomBytes } from "node:crypto";
import { Agent as HttpAgent } from "node:http";
import { v2 as cloudinary, type UploadApiOptions, type UploadApiResponse } from "cloudinary";
import type { Logger } from "../infra/logger.ts";
import { AppError } from "../shared/errors.ts";
import { PREVIEW_MAX_SIDE, THUMBNAIL_MAX_SIDE } from "./image-processor.ts";
import type { MediaStorage, MediaType, StoredMedia, VettedFile } from "./media-storage.ts";

export interface CloudinaryCredentials {
  cloudName: string;
  apiKey: string;
  apiSecret: string;
  /** The upload API base, default https://api.cloudinary.com (an emulator or proxy in tests). */
  uploadPrefix?: string | undefined;
}

/** Every public id we create sits in this folder, so `isOwnUrl` can tell ours apart. */
export const CLOUDINARY_FOLDER = "chat";
export const DELIVERY_HOST = "res.cloudinary.com";

type ResourceType = "image" | "video" | "raw";
// Cloudinary files audio under "video"; PDFs go as "raw" because many accounts refuse to
// deliver PDFs stored as images, and we would not make page previews of them anyway.
const RESOURCE: Record<MediaType, ResourceType> = { image: "image", video: "video", audio: "video", document: "raw" };

const limit = (side: number) => ({ crop: "limit", width: side, height: side });
const EAGER: Partial<Record<MediaType, Record<string, string | number>[]>> = {
  image: [
    { ...limit(PREVIEW_MAX_SIDE), quality: "auto", format: "webp" },
    { ...limit(THUMBNAIL_MAX_SIDE), quality: "auto", format: "webp" },
  ],
  // For a video, preview and thumbnail are poster frames: what a chat shows before play.
  video: [
    { ...limit(PREVIEW_MAX_SIDE), start_offset: "0", format: "jpg" },
    { ...limit(THUMBNAIL_MAX_SIDE), start_offset: "0", format: "jpg" },
  ],
};

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

// Only the renditions we ask for count as ours: an arbitrary transformation in a URL could
// overlay remote content or burn the account's transformation quota.
const OWN_TRANSFORMS = [
  ...new Set(Object.values(EAGER).flatMap((list) => list.map(({ format: _f, ...t }) => cloudinary.utils.generate_transformation_string({ ...t })))),
];

export function createCloudinaryStorage(creds: CloudinaryCredentials, log: Logger, timeoutMs = 60_000): MediaStorage {
  // https://res.cloudinary.com/<cloud>/<image|video|raw>/upload/[<one of our renditions>/][v<n>/]chat/<32 hex>[.ext]
  const OWN_URL = new RegExp(
    `^https://${escapeRe(DELIVERY_HOST)}/${escapeRe(creds.cloudName)}/(image|video|raw)/upload/` +
      `(?:(?:${OWN_TRANSFORMS.map(escapeRe).join("|")})/)?(?:v\\d+/)?(${CLOUDINARY_FOLDER}/[0-9a-f]{32})(\\.[a-z0-9]{2,5})?$`,
  );
  const auth = {
    cloud_name: creds.cloudName,
    api_key: creds.apiKey,
    api_secret: creds.apiSecret,
    ...(creds.uploadPrefix ? { upload_prefix: creds.uploadPrefix } : {}),
    // The SDK picks http or https once, when it is loaded, from the global config; a plain
    // http:// prefix (local emulator, egress proxy) needs a matching agent handed in.
    ...(creds.uploadPrefix?.startsWith("http:") ? { agent: new HttpAgent({ keepAlive: false }) } : {}),
  };

  function failed(what: string, err: unknown): AppError {
    const e = err as { message?: string; http_code?: number };
    log.warn({ err: { message: e?.message, http_code: e?.http_code } }, `cloudinary ${what} failed`);
    return new AppError("service_unavailable", "Media storage is unavailable; try the upload again later");
  }

  async function destroy(publicId: string, resourceType: ResourceType) {
    try {
      await cloudinary.uploader.destroy(publicId, { ...auth, resource_type: resourceType, invalidate: true });
    } catch (err) {
      failed("destroy", err); // logged; removal is best effort
    }
  }

  async function remove(media: StoredMedia) {
    const m = OWN_URL.exec(media.original);
    if (!m) return;
    const resourceType = m[1] as ResourceType;
    await destroy(m[2]! + (resourceType === "raw" ? (m[3] ?? "") : ""), resourceType);
  }

  return {
    name: "cloudinary",

    async save(file: VettedFile): Promise<StoredMedia> {
      const resourceType = RESOURCE[file.type];
      const id = randomBytes(16).toString("hex");
      // Raw assets keep their extension in the public id; Cloudinary serves them by it.
      const publicId = `${CLOUDINARY_FOLDER}/${id}${resourceType === "raw" ? `.${file.ext}` : ""}`;
      const eager = EAGER[file.type];
      const options: UploadApiOptions = {
        ...auth,
        resource_type: resourceType,
        public_id: publicId,
        overwrite: false,
        timeout: timeoutMs,
        ...(eager ? { eager, eager_async: false } : {}),
      };
      let res: UploadApiResponse;
      try {
        res = await cloudinary.uploader.upload(file.path, options);
      } catch (err) {
        throw failed("upload", err);
      }
      const renditions = (res.eager ?? []) as { secure_url?: string }[];
      const media: StoredMedia = {
        original: res.secure_url,
        preview: eager ? (renditions[0]?.secure_url ?? null) : null,
        thumbnail: eager ? (renditions[1]?.secure_url ?? null) : null,
        type: file.type,
        bytes: typeof res.bytes === "number" ? res.bytes : file.bytes,
      };
      const width = res.width ?? file.width;
      const height = res.height ?? file.height;
      if (typeof width === "number" && width > 0) media.width = width;
      if (typeof height === "number" && height > 0) media.height = height;
      if (typeof res.duration === "number") media.duration = res.duration;
      // A URL we would later refuse in a message is useless: fail now, and clean up.
      const urls = [media.original, media.preview, media.thumbnail].filter((u): u is string => u !== null);
      if (!urls.every((u) => OWN_URL.test(u))) {
        await destroy(publicId, resourceType);
        log.error({ urls }, "cloudinary returned URLs outside the expected delivery host");
        throw new AppError("service_unavailable", "Media storage returned an unexpected URL");
      }
      return media;
    },

    remove,

    isOwnUrl(url: string) {
      return OWN_URL.test(url);
    },
  };
}
