// The server's VAPID key pair (RFC 8292): it signs every Web Push request, and browsers pin
// its public key when they subscribe (applicationServerKey), so it must never change under
// existing subscriptions, and every node of a cluster must sign with the same one.
// Set VAPID_PUBLIC_KEY/VAPID_PRIVATE_KEY in production. Without them a pair is generated
// once into DATA_DIR (like the JWT secrets: src/auth/secrets.ts), created exclusively so
// nodes sharing a DATA_DIR agree; in a cluster the first node's pair is also published in
// Redis (SET NX) and every node adopts the one stored there (and keeps it in its DATA_DIR).
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import webpush from "web-push";
import type { Redis } from "../infra/redis.ts";

export interface VapidKeys {
  publicKey: string;
  privateKey: string;
}

const REDIS_KEY = "chat:push:vapid";

function isKeys(v: unknown): v is VapidKeys {
  const k = v as Partial<VapidKeys> | null;
  return typeof k?.publicKey === "string" && typeof k.privateKey === "string" && /^[A-Za-z0-9_-]{87}$/.test(k.publicKey) && /^[A-Za-z0-9_-]{43}$/.test(k.privateKey);
}

function readKeys(file: string): VapidKeys | null {
  try {
    const parsed: unknown = JSON.parse(readFileSync(file, "utf8"));
    return isKeys(parsed) ? parsed : null;
  } catch {
    return null;
  }
}

/** The pair kept in DATA_DIR, generated (exclusive create: of two processes, one writes) when there is none. */
export function localVapidKeys(dataDir: string): VapidKeys {
  const file = join(dataDir, "vapid-keys.json");
  const existing = readKeys(file);
  if (existing) return existing;
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const fresh = webpush.generateVAPIDKeys();
  try {
    writeFileSync(file, JSON.stringify(fresh), { mode: 0o600, flag: "wx" });
    return fresh;
  } catch {
    // Another process created it first (or a corrupt file is in the way: replace it).
    const theirs = readKeys(file);
    if (theirs) return theirs;
    writeFileSync(file, JSON.stringify(fresh), { mode: 0o600 });
    return fresh;
  }
}

export async function resolveVapidKeys(d: { configured: { publicKey?: string | undefined; privateKey?: string | undefined }; dataDir: string; redis?: Redis | undefined }): Promise<VapidKeys> {
  const { publicKey, privateKey } = d.configured;
  if (publicKey && privateKey) return { publicKey, privateKey };
  const local = localVapidKeys(d.dataDir);
  if (!d.redis) return local;
  await d.redis.set(REDIS_KEY, JSON.stringify(local), "NX");
  const shared: unknown = JSON.parse((await d.redis.get(REDIS_KEY)) ?? "null");
  if (!isKeys(shared)) return local;
  if (shared.publicKey !== local.publicKey) writeFileSync(join(d.dataDir, "vapid-keys.json"), JSON.stringify(shared), { mode: 0o600 });
  return shared;
}
