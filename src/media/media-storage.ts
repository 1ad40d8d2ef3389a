// Where uploaded files live. Two implementations share this interface: local disk
// (embedded default, served by Express) and Cloudinary (production). Messaging asks
// `isOwnUrl` so that history only ever carries media this server stored.
export type MediaType = "image" | "video" | "audio" | "document";

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

export interface MediaStorage {
  readonly name: "local" | "cloudinary";
  /** True when the URL points at a file this storage holds (no arbitrary hotlinks in history). */
  isOwnUrl(url: string): boolean;
}
