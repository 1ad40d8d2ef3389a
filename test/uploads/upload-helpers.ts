// Real multipart uploads over HTTP (fetch + FormData), and a look at what is on disk.
import { readdirSync } from "node:fs";
import { join, relative } from "node:path";
import type { MediaType } from "../../src/media/media-storage.ts";

export const SMALL_LIMITS = {
  UPLOAD_MAX_IMAGE_BYTES: String(256 * 1024),
  UPLOAD_MAX_VIDEO_BYTES: String(512 * 1024),
  UPLOAD_MAX_AUDIO_BYTES: String(256 * 1024),
  UPLOAD_MAX_DOCUMENT_BYTES: String(128 * 1024),
};

/** What the upload endpoints answer: an error, `{media}`, or (avatar) the user. */
export interface UploadBody {
  error: { code: string; message: string };
  media: { original: string; preview: string; thumbnail: string; type: MediaType; bytes: number; width?: number; height?: number; duration?: number };
  id: string;
  phone: string;
  avatar_url: string;
}

export interface UploadOptions {
  token?: string;
  filename?: string;
  /** What the client claims; the server must ignore it. */
  mimetype?: string;
  fields?: Record<string, string>;
  fileField?: string;
  path?: string;
}

export async function upload(baseUrl: string, bytes: Uint8Array | null, opts: UploadOptions = {}): Promise<{ status: number; body: UploadBody }> {
  const form = new FormData();
  for (const [k, v] of Object.entries(opts.fields ?? {})) form.append(k, v);
  if (bytes) form.append(opts.fileField ?? "file", new Blob([new Uint8Array(bytes)], { type: opts.mimetype ?? "application/octet-stream" }), opts.filename ?? "upload.bin");
  const res = await fetch(baseUrl + (opts.path ?? "/api/uploads"), {
    method: "POST",
    body: form,
    headers: opts.token ? { authorization: `Bearer ${opts.token}` } : {},
  });
  const text = await res.text();
  // Every answer here is JSON; a non-JSON one fails the test at JSON.parse, which is the point.
  return { status: res.status, body: JSON.parse(text) as UploadBody };
}

/** Every file (not directory) under `dir`, as relative paths. */
export function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    let entries;
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(relative(dir, p));
    }
  };
  walk(dir);
  return out.sort();
}

/** Everything in a directory, directories included (scratch dirs must go too). */
export function entriesIn(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

export { waitFor } from "../support/wait.ts";
