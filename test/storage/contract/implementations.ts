// The storage implementations the contract suites run against. Each `open()` gives a
// fresh, empty storage and a stop() that closes it and removes what it created.
//
// The open functions are loaded on first use (a dynamic import) so that a runner can say
// clearly that an implementation does not exist yet instead of failing to load.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { randomBytes } from "node:crypto";
import type { Storage } from "../../../src/storage/storage.ts";

export interface OpenedStorage {
  storage: Storage;
  stop(): Promise<void>;
}

export interface Implementation {
  name: "sqlite" | "mongo";
  /** The module that exports the open function, relative to the repository root. */
  source: string;
  /** Whether that module exists (the implementations are written separately). */
  available(): boolean;
  /** A fresh, empty storage of this kind. */
  open(): Promise<OpenedStorage>;
  /** Several storages on one fresh database, as separate server nodes (only where several nodes are supported). */
  openNodes?(n: number): Promise<{ nodes: Storage[]; stop(): Promise<void> }>;
}

type OpenSqlite = (o: { path: string }) => Storage | Promise<Storage>;
type OpenMongo = (o: { uri: string }) => Storage | Promise<Storage>;

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

async function load<F>(source: string, exportName: string): Promise<F> {
  const file = join(ROOT, source);
  if (!existsSync(file)) throw new Error(`${source} does not exist (yet): this implementation cannot be tested`);
  const mod = (await import(new URL(source, new URL("../../../", import.meta.url)).href)) as Record<string, unknown>;
  const fn = mod[exportName];
  if (typeof fn !== "function") throw new Error(`${source} does not export a function ${exportName}`);
  return fn as F;
}

export const sqlite: Implementation = {
  name: "sqlite",
  source: "src/storage/sqlite/open.ts",
  available: () => existsSync(join(ROOT, "src/storage/sqlite/open.ts")),
  async open() {
    const openSqliteStorage = await load<OpenSqlite>("src/storage/sqlite/open.ts", "openSqliteStorage");
    const dir = mkdtempSync(join(tmpdir(), "chat-contract-sqlite-"));
    let storage: Storage;
    try {
      storage = await openSqliteStorage({ path: join(dir, "chat.db") });
    } catch (err) {
      rmSync(dir, { recursive: true, force: true });
      throw err;
    }
    return {
      storage,
      async stop() {
        try {
          await storage.close();
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      },
    };
  },
};

// One FerretDB per process, shared by every storage this process opens (each in its own
// database): a FerretDB start takes a second or two, a new database nothing.
let server: { uri: string; stop(): Promise<void> } | undefined;
let starting: Promise<{ uri: string; stop(): Promise<void> }> | undefined;
let users = 0;

async function acquireServer() {
  users++;
  try {
    if (!server) {
      starting ??= import("../../support/database.ts").then((m) => m.startDatabase());
      server = await starting;
    }
    return server;
  } catch (err) {
    users--;
    starting = undefined;
    throw err;
  }
}

async function releaseServer() {
  users--;
  if (users > 0 || !server) return;
  const s = server;
  server = undefined;
  starting = undefined;
  await s.stop();
}

function freshDatabaseUri(serverUri: string): string {
  const uri = new URL(serverUri);
  uri.pathname = `/contract_${randomBytes(6).toString("hex")}`;
  return uri.href;
}

export const mongo: Implementation = {
  name: "mongo",
  source: "src/storage/mongo/open.ts",
  available: () => existsSync(join(ROOT, "src/storage/mongo/open.ts")),
  async open() {
    const { nodes, stop } = await mongo.openNodes!(1);
    return { storage: nodes[0]!, stop };
  },
  async openNodes(n: number) {
    const openMongoStorage = await load<OpenMongo>("src/storage/mongo/open.ts", "openMongoStorage");
    const db = await acquireServer();
    const uri = freshDatabaseUri(db.uri);
    const nodes: Storage[] = [];
    const stop = async () => {
      try {
        await Promise.all(nodes.map((s) => s.close()));
      } finally {
        await releaseServer();
      }
    };
    try {
      for (let i = 0; i < n; i++) nodes.push(await openMongoStorage({ uri }));
    } catch (err) {
      await stop();
      throw err;
    }
    return { nodes, stop };
  },
};

export const IMPLEMENTATIONS: readonly Implementation[] = [sqlite, mongo];
