// Upload endpoints: POST /api/uploads (media for chat messages) and POST /api/users/me/avatar.
// Both stream the file to a scratch directory (multipart-route.ts), then the upload service
// sniffs, limits and stores it.
import { Router } from "express";
import type { RateLimiter } from "../auth/rate-limiter.ts";
import type { Media } from "../media/create-media.ts";
import { MEDIA_TYPES, type MediaType, type StoredMedia } from "../media/media-storage.ts";
import { z } from "../shared/zod.ts";
import { UserSelf } from "../users/user.schemas.ts";
import type { UserService } from "../users/user.service.ts";
import { defineMultipartRoute } from "./multipart-route.ts";
import type { RouteKit } from "./route.ts";

export const StoredMediaSchema = z
  .strictObject({
    original: z.string().openapi({ description: "URL of the stored file; root-relative (/media/...) with local storage" }),
    preview: z.string().nullable().openapi({ description: "Images: WebP at most 1280 px; Cloudinary videos: a poster frame" }),
    thumbnail: z.string().nullable().openapi({ description: "Images: WebP at most 320 px; Cloudinary videos: a poster frame" }),
    type: z.enum(MEDIA_TYPES as [MediaType, ...MediaType[]]),
    bytes: z.number().int(),
    width: z.number().int().optional(),
    height: z.number().int().optional(),
    duration: z.number().optional(),
  })
  .openapi("StoredMedia");

const UploadFields = z.strictObject({
  kind: z
    .enum(MEDIA_TYPES as [MediaType, ...MediaType[]])
    .optional()
    .openapi({ description: "Optional hint. The type is sniffed from the bytes; `audio` makes an MP4/WebM an audio file (voice note)." }),
});
const AvatarFields = z.strictObject({});

/** Stored media nobody will ever reference (the client left before getting the URLs) is deleted. */
async function unlessClientGone(media: StoredMedia, socketGone: boolean, remove: (m: StoredMedia) => Promise<void>) {
  if (socketGone) await remove(media).catch(() => {});
  return media;
}

export function uploadsRouter(kit: Omit<RouteKit, "router">, media: Media, uploadsByUser: RateLimiter): Router {
  const r: RouteKit = { ...kit, router: Router() };
  defineMultipartRoute(
    r,
    {
      path: "/",
      summary: "Upload an image, video, audio file or PDF for a chat message",
      tag: "uploads",
      fields: UploadFields,
      maxFileBytes: media.uploads.maxFileBytes(),
      scratchRoot: media.paths.incoming,
      response: z.strictObject({ media: StoredMediaSchema }).openapi("UploadResult"),
      status: 201,
      admit: (caller) => uploadsByUser.consume(caller.userId),
      errors: { 429: "Too many uploads by this user (UPLOAD_MAX_PER_MIN)" },
    },
    async ({ caller, fields, file, req }) => {
      const stored = await media.uploads.store(file, { kind: fields.kind, owner: caller.userId });
      return { media: await unlessClientGone(stored, req.socket.destroyed, media.storage.remove) };
    },
  );
  return r.router;
}

export function avatarRouter(kit: Omit<RouteKit, "router">, media: Media, users: UserService, uploadsByUser: RateLimiter): Router {
  const r: RouteKit = { ...kit, router: Router() };
  const accept = ["image"] as const;
  defineMultipartRoute(
    r,
    {
      path: "/me/avatar",
      summary: "Set the caller's avatar (jpeg, png, webp or gif); tells the partner",
      tag: "users",
      fields: AvatarFields,
      maxFileBytes: media.uploads.maxFileBytes(accept),
      scratchRoot: media.paths.incoming,
      response: UserSelf,
      admit: (caller) => uploadsByUser.consume(caller.userId),
      errors: { 429: "Too many uploads by this user (UPLOAD_MAX_PER_MIN)" },
    },
    async ({ caller, file }) => {
      const stored = await media.uploads.store(file, { accept, owner: caller.userId });
      try {
        // The preview (≤1280 px WebP) is the avatar: the full original is rarely worth its bytes.
        return await users.setAvatar(caller.userId, stored.preview ?? stored.original);
      } catch (err) {
        await media.storage.remove(stored).catch(() => {});
        throw err;
      }
    },
  );
  return r.router;
}
