// Local-disk storage, the embedded default. Files land under `<root>/files/<aa>/<id>…`
// where <id> is 128 random bits (<aa> its first two hex digits, so no directory grows huge),
// and are served by Express at `/media/<aa>/<id>…`. URLs are root-relative, so they work
// behind any host name or proxy; the client resolves them against the server it talks to.
import { randomBytes } from "node:crypto";
import { copyFile, mkdir, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { writeRenditions } from "./image-processor.ts";
import type { MediaStorage, StoredMedia, VettedFile } from "./media-storage.ts";

export const MEDIA_URL_PREFIX = "/media";

// <aa>/<id>, an optional rendition suffix, then one of the extensions the sniffer chooses.
const OWN_PATH = /^\/media\/([0-9a-f]{2})\/(([0-9a-f]{32})(?:-preview|-thumb)?\.(?:jpg|png|webp|gif|mp4|webm|weba|m4a|mp3|ogg|wav|pdf))$/;

export interface LocalStorageOptions {
  /** Directory holding the stored files (served at /media). */
  filesDir: string;
  /**
   * Origins under which absolute URLs count as ours (e.g. "https://chat.example.com").
   * Empty by default: without a configured public URL the server cannot tell its own
   * host from an attacker's, so only root-relative `/media/...` URLs are accepted.
   */
  publicOrigins?: string[];
}

export function createLocalStorage(opts: LocalStorageOptions): MediaStorage & { filesDir: string } {
  const origins = new Set((opts.publicOrigins ?? []).map((o) => new URL(o).origin));

  /** The path part of a URL of ours, or undefined. */
  function ownPath(url: string): { shard: string; file: string } | undefined {
    let path = url;
    if (!url.startsWith("/")) {
      let parsed: URL;
      try {
        parsed = new URL(url);
      } catch {
        return undefined;
      }
      if (!origins.has(parsed.origin) || parsed.search || parsed.hash || parsed.username) return undefined;
      path = parsed.pathname;
    }
    const m = OWN_PATH.exec(path);
    if (!m || m[3]!.slice(0, 2) !== m[1]) return undefined;
    return { shard: m[1]!, file: m[2]! };
  }

  async function place(from: string, to: string) {
    // Same filesystem (the default layout): an atomic rename. Elsewhere: a copy.
    try {
      await rename(from, to);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EXDEV") throw err;
      await copyFile(from, to);
    }
  }

  return {
    name: "local",
    filesDir: opts.filesDir,

    async save(file: VettedFile): Promise<StoredMedia> {
      const id = randomBytes(16).toString("hex");
      const shard = id.slice(0, 2);
      const dir = join(opts.filesDir, shard);
      await mkdir(dir, { recursive: true });
      const url = (name: string) => `${MEDIA_URL_PREFIX}/${shard}/${name}`;
      const names = { original: `${id}.${file.ext}`, preview: `${id}-preview.webp`, thumbnail: `${id}-thumb.webp` };
      const isImage = file.type === "image";
      try {
        if (isImage) await writeRenditions(file.path, join(dir, names.preview), join(dir, names.thumbnail), file.animated ?? false);
        await place(file.path, join(dir, names.original));
      } catch (err) {
        await Promise.all(Object.values(names).map((n) => rm(join(dir, n), { force: true })));
        throw err;
      }
      return {
        original: url(names.original),
        preview: isImage ? url(names.preview) : null,
        thumbnail: isImage ? url(names.thumbnail) : null,
        type: file.type,
        bytes: file.bytes,
        ...(file.width !== undefined ? { width: file.width } : {}),
        ...(file.height !== undefined ? { height: file.height } : {}),
      };
    },

    async remove(media: StoredMedia) {
      const urls = [media.original, media.preview, media.thumbnail].filter((u): u is string => !!u);
      await Promise.all(
        urls.map((u) => {
          const own = ownPath(u);
          return own ? rm(join(opts.filesDir, own.shard, own.file), { force: true }) : undefined;
        }),
      );
    },

    isOwnUrl(url: string) {
      return ownPath(url) !== undefined;
    },

    localPath(url: string) {
      const own = ownPath(url);
      return own ? join(opts.filesDir, own.shard, own.file) : undefined;
    },
  };
}
