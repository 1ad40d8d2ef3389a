// JWT secrets. Production must set them in the environment (config.ts enforces it).
// For the zero-config embedded mode, random secrets are generated once and kept in the
// data directory, so tokens survive a restart without anyone inventing a weak default.
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface JwtSecrets {
  access: string;
  refresh: string;
}

export function resolveSecrets(cfg: { accessSecret?: string | undefined; refreshSecret?: string | undefined }, dataDir: string): JwtSecrets {
  if (cfg.accessSecret && cfg.refreshSecret) return { access: cfg.accessSecret, refresh: cfg.refreshSecret };
  const file = join(dataDir, "jwt-secrets.json");
  let stored: Partial<JwtSecrets> = {};
  if (existsSync(file)) stored = JSON.parse(readFileSync(file, "utf8")) as Partial<JwtSecrets>;
  const secrets: JwtSecrets = {
    access: cfg.accessSecret ?? stored.access ?? randomBytes(32).toString("base64url"),
    refresh: cfg.refreshSecret ?? stored.refresh ?? randomBytes(32).toString("base64url"),
  };
  if (secrets.access !== stored.access || secrets.refresh !== stored.refresh) {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    writeFileSync(file, JSON.stringify(secrets), { mode: 0o600 });
  }
  return secrets;
}
