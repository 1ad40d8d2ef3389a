// Builds the media capability from config: Cloudinary when credentials are configured, local
// disk otherwise, plus the upload service and the scratch directory uploads stream into.
import { mkdirSync, readdirSync, rmSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Express } from "express";
import { ConfigError, type Config } from "../config.ts";
import type { Logger } from "../infra/logger.ts";
import { serveMediaFiles } from "../http/media-static.ts";
import { createCloudinaryStorage, type CloudinaryCredentials } from "./cloudinary-storage.ts";
import { createLocalStorage, MEDIA_URL_PREFIX } from "./local-storage.ts";
import type { MediaStorage } from "./media-storage.ts";
import { createUploadService } from "./upload.service.ts";
import type { UploadRepository } from "./upload.repository.ts";

const STALE_SCRATCH_MS = 3600_000;

/** Cloudinary credentials from CLOUDINARY_URL and/or the three variables (which win), or undefined. */
export function cloudinaryCredentials(c: Config["uploads"]["cloudinary"]): CloudinaryCredentials | undefined {
  let fromUrl: Partial<CloudinaryCredentials> = {};
  if (c.url) {
    let u: URL;
    try {
      u = new URL(c.url);
    } catch {
      throw new ConfigError("Invalid configuration:\n  CLOUDINARY_URL: must look like cloudinary://<api_key>:<api_secret>@<cloud_name>");
    }
    if (u.protocol !== "cloudinary:") throw new ConfigError("Invalid configuration:\n  CLOUDINARY_URL: must start with cloudinary://");
    fromUrl = { cloudName: u.hostname, apiKey: decodeURIComponent(u.username), apiSecret: decodeURIComponent(u.password) };
  }
  const creds = {
    cloudName: c.cloudName ?? fromUrl.cloudName,
    apiKey: c.apiKey ?? fromUrl.apiKey,
    apiSecret: c.apiSecret ?? fromUrl.apiSecret,
  };
  const given = Object.values(creds).filter(Boolean).length;
  if (given === 0) return undefined;
  if (given < 3) {
    const missing = [!creds.cloudName && "CLOUDINARY_CLOUD_NAME", !creds.apiKey && "CLOUDINARY_API_KEY", !creds.apiSecret && "CLOUDINARY_API_SECRET"].filter(Boolean);
    throw new ConfigError(`Invalid configuration:\n  ${missing.join(", ")}: missing (set CLOUDINARY_URL or all three variables)`);
  }
  if (c.uploadPrefix && !/^https?:\/\/[^/]+/.test(c.uploadPrefix)) {
    throw new ConfigError("Invalid configuration:\n  CLOUDINARY_UPLOAD_PREFIX: must be an http(s) URL such as https://api.cloudinary.com");
  }
  return { ...(creds as Omit<CloudinaryCredentials, "uploadPrefix">), uploadPrefix: c.uploadPrefix?.replace(/\/+$/, "") };
}

/** Deletes scratch directories left by a crash; recent ones may belong to a sibling process. */
function pruneStaleScratch(dir: string) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    try {
      if (Date.now() - statSync(path).mtimeMs > STALE_SCRATCH_MS) rmSync(path, { recursive: true, force: true });
    } catch {
      /* raced with its owner: fine */
    }
  }
}

export function createMedia(config: Config, log: Logger, uploads: UploadRepository) {
  const root = resolve(config.uploads.dir ?? join(config.dataDir, "uploads"));
  const paths = { root, files: join(root, "files"), incoming: join(root, "incoming") };
  // Private to the server's user, like the database and the secrets (Express serves the files).
  mkdirSync(paths.incoming, { recursive: true, mode: 0o700 });
  pruneStaleScratch(paths.incoming);

  const creds = cloudinaryCredentials(config.uploads.cloudinary);
  let storage: MediaStorage;
  let mountStatic: ((app: Express) => void) | undefined;
  if (creds) {
    storage = createCloudinaryStorage(creds, log);
  } else {
    mkdirSync(paths.files, { recursive: true, mode: 0o700 });
    const local = createLocalStorage({ filesDir: paths.files });
    storage = local;
    mountStatic = (app) => app.use(MEDIA_URL_PREFIX, serveMediaFiles(local.filesDir));
  }
  log.info({ storage: storage.name, dir: creds ? undefined : paths.files }, "media storage ready");

  return {
    storage,
    uploads: createUploadService({ storage, uploads, maxBytes: config.uploads.maxBytes, maxImagePixels: config.uploads.maxImagePixels, imageConcurrency: config.uploads.imageConcurrency }),
    /** `incoming` receives uploads while they stream in; `files` holds local storage. */
    paths,
    mountStatic,
  };
}

export type Media = ReturnType<typeof createMedia>;
