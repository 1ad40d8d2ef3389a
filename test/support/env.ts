// The environment every test server (and the service tier) runs with: a temporary
// DATA_DIR, fast bcrypt, fixed secrets. Its own module, so the service tier does not load
// the app, Express and Socket.IO just to read it.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const TEST_SECRETS = { access: "test-access-secret-0123456789abcdef", refresh: "test-refresh-secret-0123456789abcdef" };

export function testEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_ENV: "test",
    LOG_LEVEL: process.env.TEST_LOG_LEVEL || "silent",
    BCRYPT_ROUNDS: "4",
    HOST: "127.0.0.1",
    PORT: "0",
    DATA_DIR: mkdtempSync(join(tmpdir(), "chat-test-data-")),
    JWT_ACCESS_SECRET: TEST_SECRETS.access,
    JWT_REFRESH_SECRET: TEST_SECRETS.refresh,
    // Every test client comes from 127.0.0.1: per-IP budgets sized for people would trip
    // over the factories. The throttle tests set their own.
    REGISTER_MAX_PER_HOUR: "1000000",
    LOOKUP_MAX_PER_MIN: "1000000",
    LOOKUP_MAX_PER_MIN_PER_IP: "1000000",
    UPLOAD_MAX_PER_MIN: "1000000",
    ...extra,
  };
}

