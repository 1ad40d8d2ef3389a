// The previous release's values as today's records want them (src/storage/mongo/legacy-source.ts):
// ObjectIds as 24 hex digits, dates as Date, absent strings as "" or null, and reads by _id
// in chunks.
import type mongoose from "mongoose";

export type Doc = Record<string, unknown>;
export type Db = mongoose.mongo.Db;

export function isObjectId(v: unknown): v is { toHexString(): string } {
  return typeof v === "object" && v !== null && (v as { _bsontype?: string })._bsontype === "ObjectId";
}

/** An id as the new layout keeps it: ObjectIds as 24 hex digits, anything else as a string. */
export function hex(v: unknown): string {
  if (isObjectId(v)) return v.toHexString();
  return String(v);
}

export function hexOrNull(v: unknown): string | null {
  return v === null || v === undefined ? null : hex(v);
}

/** A free-form sub-document with its ObjectIds as strings (dates and everything else kept). */
export function plain(v: unknown): unknown {
  if (isObjectId(v)) return v.toHexString();
  if (Array.isArray(v)) return v.map(plain);
  if (v instanceof Date || v === null || typeof v !== "object") return v;
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
}

export function date(v: unknown): Date {
  return v instanceof Date ? v : new Date(v as string | number);
}
export function dateOrNull(v: unknown): Date | null {
  return v === null || v === undefined ? null : date(v);
}
export function str(v: unknown, fallback = ""): string {
  return typeof v === "string" ? v : v === null || v === undefined ? fallback : String(v);
}
export function strOrNull(v: unknown): string | null {
  return v === null || v === undefined ? null : String(v);
}
export function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.map(hex) : [];
}
export function role(v: unknown): "owner" | "admin" | "member" {
  return v === "owner" || v === "admin" ? v : "member";
}

const IN_CHUNK = 1000;

export async function byIds(db: Db, collection: string, ids: readonly unknown[], projection?: Doc): Promise<Doc[]> {
  const out: Doc[] = [];
  for (let i = 0; i < ids.length; i += IN_CHUNK) {
    const chunk = ids.slice(i, i + IN_CHUNK);
    out.push(...((await db.collection(collection).find({ _id: { $in: chunk } } as Doc, projection ? { projection } : {}).toArray()) as Doc[]));
  }
  return out;
}
