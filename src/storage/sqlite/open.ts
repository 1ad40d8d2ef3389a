// Opens the embedded SQLite storage: one file that one server process owns.
//
// - The file, its directory and its -wal are private to the user (0600/0700): they hold
//   password hashes and every message.
// - `locking_mode = EXCLUSIVE` with the lock taken at open: a second server on the same
//   file fails at once with a message that says so, instead of two processes each
//   believing its seqs are gap-free. The lock is the OS's (fcntl), so it goes with the
//   process: a SIGKILLed server leaves no stale lock behind. As a bonus, in exclusive mode
//   WAL keeps its index in heap memory, so there is no -shm file at all.
// - WAL with synchronous = NORMAL by default: a killed process loses nothing it committed
//   (the WAL is in the OS's page cache); only a power loss or kernel crash can lose the
//   last transactions. FULL (fsync at every commit) also survives that, for a price in
//   write latency.
// - No `PRAGMA quick_check` at open: it reads the whole file, so startup would grow with
//   the database. A file that is not a database at all fails at the first read here;
//   damage inside a valid file surfaces as StorageUnavailableError where it is met.
import { accessSync, chmodSync, closeSync, constants, existsSync, mkdirSync, openSync, statSync } from "node:fs";
import { basename, dirname, resolve } from "node:path";
import { DatabaseSync } from "node:sqlite";
import type { Storage } from "../storage.ts";
import { SQLITE, SqliteDb, sqliteCode } from "./database.ts";
import { migrate } from "./migrations.ts";
import { sqliteConversations } from "./conversations.ts";
import { sqliteCopy } from "./copy.ts";
import { sqliteEvents } from "./events.ts";
import { sqliteGroups } from "./groups.ts";
import { sqliteMessages } from "./messages.ts";
import { sqlitePartnerRequests } from "./partner-requests.ts";
import { sqliteProfiles } from "./profiles.ts";
import { sqliteSessions } from "./sessions.ts";
import { sqliteStickers } from "./stickers.ts";
import { sqliteUploads } from "./uploads.ts";
import { sqlitePushSubscriptions } from "./push-subscriptions.ts";
import { sqliteGroupSanctions } from "./group-sanctions.ts";
import { sqliteReports } from "./reports.ts";
import { sqliteBlocks } from "./blocks.ts";
import { sqliteAccountDeletions } from "./account-deletions.ts";
import { sqliteAudit } from "./audit.ts";
import { sqliteUsers } from "./users.ts";

export interface SqliteOptions {
  /** The database file. */
  path: string;
  synchronous?: "NORMAL" | "FULL";
  /** How long open waits for another process to let go of the file (a restart overlapping its predecessor's exit). */
  busyTimeoutMs?: number;
}

export interface SqliteStorage extends Storage {
  kind: "sqlite";
  /** Every SQL text prepared so far: the plan test checks each one with EXPLAIN QUERY PLAN. */
  preparedSql(): string[];
}

export async function openSqliteStorage(o: SqliteOptions): Promise<SqliteStorage> {
  const path = resolve(o.path);
  prepareFiles(path);
  const raw = withPrivateUmask(() => openLocked(path, o));
  const db = new SqliteDb(raw, path);
  try {
    migrate(db);
  } catch (e) {
    raw.close();
    throw openError(path, e);
  }
  return {
    kind: "sqlite",
    users: sqliteUsers(db),
    sessions: sqliteSessions(db),
    partnerRequests: sqlitePartnerRequests(db),
    conversations: sqliteConversations(db),
    messages: sqliteMessages(db),
    events: sqliteEvents(db),
    groups: sqliteGroups(db),
    profiles: sqliteProfiles(db),
    stickers: sqliteStickers(db),
    uploads: sqliteUploads(db),
    pushSubscriptions: sqlitePushSubscriptions(db),
    reports: sqliteReports(db),
    groupSanctions: sqliteGroupSanctions(db),
    blocks: sqliteBlocks(db),
    audit: sqliteAudit(db),
    accountDeletions: sqliteAccountDeletions(db),
    copy: sqliteCopy(db),
    async ping() {
      db.raw.prepare("SELECT 1").get();
    },
    async close() {
      // Closing releases the lock; a second close is harmless.
      if (db.raw.isOpen) db.raw.close();
    },
    preparedSql: () => db.preparedSql(),
  };
}

/** The directory (0700) and an empty database file (0600), unless they exist; refuses read-only ones with a clear message. */
function prepareFiles(path: string): void {
  const dir = dirname(path);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (e) {
    throw new Error(`${dir}: cannot create the data directory (${code(e)}); check DATA_DIR and its permissions`, { cause: e });
  }
  if (!existsSync(path)) {
    try {
      closeSync(openSync(path, "wx", 0o600));
    } catch (e) {
      if (code(e) !== "EEXIST") {
        throw new Error(`${path}: cannot create the database file (${code(e)}); the directory ${dir} must be writable by the server`, { cause: e });
      }
    }
  }
  try {
    accessSync(path, constants.R_OK | constants.W_OK);
  } catch (e) {
    throw new Error(`${path} is read-only for this process (${code(e)}); the server must be able to write its database`, { cause: e });
  }
  try {
    accessSync(dir, constants.W_OK);
  } catch (e) {
    throw new Error(`${dir} is read-only for this process (${code(e)}); SQLite writes ${basename(path)}-wal beside the database`, { cause: e });
  }
  // A file made by an earlier version or by hand may be readable by others: take that away
  // (the owner's own bits stay as they are). SQLite gives a new -wal the database's mode.
  for (const file of [path, `${path}-wal`, `${path}-shm`]) {
    try {
      const st = statSync(file);
      if (st.mode & 0o077 && st.uid === process.getuid?.()) chmodSync(file, st.mode & 0o700);
    } catch {
      // Missing (-wal, -shm) or not ours: nothing to tighten.
    }
  }
}

/** Opens the file, takes the exclusive lock and sets the journal; any failure closes it again. */
function openLocked(path: string, o: SqliteOptions): DatabaseSync {
  let raw: DatabaseSync;
  try {
    raw = new DatabaseSync(path, { timeout: o.busyTimeoutMs ?? 5000, enableForeignKeyConstraints: false });
  } catch (e) {
    throw openError(path, e);
  }
  try {
    // The locking mode first: WAL must first be entered in exclusive mode to keep its index off shared memory.
    raw.exec("PRAGMA locking_mode = EXCLUSIVE");
    const mode = raw.prepare("PRAGMA journal_mode = WAL").get()?.journal_mode;
    if (mode !== "wal") throw new Error(`${path}: cannot use the WAL journal (journal_mode is ${String(mode)})`);
    raw.exec(`PRAGMA synchronous = ${o.synchronous === "FULL" ? "FULL" : "NORMAL"}`);
    // An empty write transaction: the exclusive lock is taken now and kept until close.
    raw.exec("BEGIN IMMEDIATE; COMMIT");
    return raw;
  } catch (e) {
    raw.close();
    throw openError(path, e);
  }
}

/** What went wrong at open, said for the operator who has to fix it. */
function openError(path: string, e: unknown): unknown {
  const detail = e instanceof Error ? e.message : String(e);
  switch (sqliteCode(e)) {
    case SQLITE.BUSY:
    case SQLITE.LOCKED:
      return new Error(`${path} is in use by another server process (SQLite lock); stop it first or use another DATA_DIR`, { cause: e });
    case SQLITE.NOTADB:
    case SQLITE.CORRUPT:
      return new Error(`${path} is not a SQLite database or is corrupt (${detail}); restore it from a backup or move it aside`, { cause: e });
    case SQLITE.READONLY:
    case SQLITE.CANTOPEN:
      return new Error(`${path} cannot be opened for writing (${detail}); check the permissions of the file and its directory`, { cause: e });
    case SQLITE.FULL:
      return new Error(`${path}: the disk is full (${detail})`, { cause: e });
    case SQLITE.IOERR:
      return new Error(`${path}: input/output error (${detail})`, { cause: e });
    default:
      return e;
  }
}

/** Files SQLite creates while fn runs (the -wal) are private to the user. */
function withPrivateUmask<T>(fn: () => T): T {
  let previous: number | null = null;
  try {
    previous = process.umask(0o077);
  } catch {
    // Worker threads cannot change the umask; SQLite still copies the database file's mode to its -wal.
  }
  try {
    return fn();
  } finally {
    if (previous !== null) process.umask(previous);
  }
}

function code(e: unknown): string {
  return e instanceof Error && "code" in e ? String(e.code) : String(e);
}
