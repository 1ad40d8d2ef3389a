// A fresh FerretDB for a test file: its own free port and temporary data directory.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startEmbeddedDb } from "./ferretdb/launcher.ts";

export interface TestDatabase {
  uri: string;
  port: number;
  stop(): Promise<void>;
  restart(): Promise<void>;
  /** Makes the database hang (SIGSTOP): connections stay open, nothing answers. */
  freeze(): void;
  thaw(): void;
}

export async function startDatabase(): Promise<TestDatabase> {
  const dir = mkdtempSync(join(tmpdir(), "chat-test-db-"));
  let db = await startEmbeddedDb({ dataDir: dir });
  const port = Number(new URL(db.uri).port);
  return {
    uri: `${db.uri}chat`,
    port,
    async stop() {
      await db.stop();
      rmSync(dir, { recursive: true, force: true });
    },
    freeze: () => process.kill(db.pid, "SIGSTOP"),
    thaw: () => process.kill(db.pid, "SIGCONT"),
    async restart() {
      await db.stop();
      db = await startEmbeddedDb({ dataDir: dir, port });
    },
  };
}
