// Opens the configured storage: MongoDB when MONGODB_URI is set (cluster mode), otherwise
// the embedded SQLite file under DATA_DIR. Each implementation is loaded only when chosen,
// so the embedded mode never loads mongoose.
import { join } from "node:path";
import type { Config } from "../config.ts";
import type { Logger } from "../infra/logger.ts";
import type { Storage } from "./storage.ts";

export const DEFAULT_SQLITE_FILE = "chat.sqlite";

export function sqlitePath(config: Config): string {
  return config.db.sqliteFile ?? join(config.dataDir, DEFAULT_SQLITE_FILE);
}

export async function openStorage(config: Config, log?: Logger): Promise<Storage> {
  if (config.db.uri) {
    const { openMongoStorage } = await import("./mongo/open.ts");
    return openMongoStorage({ uri: config.db.uri, operationTimeoutMs: config.db.operationTimeoutMs, log });
  }
  const { openSqliteStorage } = await import("./sqlite/open.ts");
  return openSqliteStorage({ path: sqlitePath(config), synchronous: config.db.sqliteSynchronous });
}
