// Where uploaded files live. Two implementations share this interface: local disk
// (embedded default, served by Express) and Cloudinary (production). Messaging asks
// `isOwnUrl` so that history only ever carries media this server stored.
export type MediaType = "image" | "video" | "audio" | "document";
export const MEDIA_TYPES: readonly MediaType[] = ["image", "video", "audio", "document"];

export interface StoredMedia {
  original: string;
  preview: string | null;
  thumbnail: string | null;
  type: MediaType;
  bytes: number;
  width?: number;
  height?: number;
  duration?: number;
}

/** A vetted file ready to be stored: its type was sniffed from its bytes, images are already re-encoded. */
export interface VettedFile {
  /** A temporary file the storage reads (and may move); the caller deletes whatever is left. */
  path: string;
  type: MediaType;
  /** The extension and Content-Type the server chose from the sniffed type, never the client's. */
  ext: string;
  contentType: string;
  bytes: number;
  width?: number;
  height?: number;
  /** Animated GIF/WebP: previews keep the animation, thumbnails show the first frame. */
  animated?: boolean;
}

export interface MediaStorage {
  readonly name: "local" | "cloudinary";
  /** Stores the file under a server-generated random name and returns its URLs. */
  save(file: VettedFile): Promise<StoredMedia>;
  /** Deletes what `save` stored (best effort; unknown URLs are ignored). */
  remove(media: StoredMedia): Promise<void>;
  /** True when the URL points at a file this storage holds (no arbitrary hotlinks in history). */
  isOwnUrl(url: string): boolean;
  /** The file on this machine that serves the URL (local storage only: an export streams it). */
  localPath?(url: string): string | undefined;
}
