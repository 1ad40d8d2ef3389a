// The one connection every SQLite repository shares: prepared statements cached by their
// SQL text, a transaction helper, the conversions between rows and records, and the
// mapping of SQLite's error codes onto the storage errors services understand.
import type { DatabaseSync, SQLInputValue, SQLOutputValue, StatementSync } from "node:sqlite";
import { DuplicateKeyError, StorageUnavailableError } from "../errors.ts";

export type Row = Record<string, SQLOutputValue>;
/** A column of a row (possibly missing, for the type checker's sake). */
type Cell = SQLOutputValue | undefined;

export class SqliteDb {
  readonly raw: DatabaseSync;
  /** The database file, named in every error so an operator knows which file to look at. */
  readonly path: string;
  private readonly statements = new Map<string, StatementSync>();
  private depth = 0;

  constructor(raw: DatabaseSync, path: string) {
    this.raw = raw;
    this.path = path;
  }

  /** The statement for this SQL, prepared on first use and reused afterwards. */
  stmt(sql: string): StatementSync {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.raw.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }

  get(sql: string, ...params: SQLInputValue[]): Row | undefined {
    return this.stmt(sql).get(...params) as Row | undefined;
  }

  all(sql: string, ...params: SQLInputValue[]): Row[] {
    return this.stmt(sql).all(...params) as Row[];
  }

  /** Runs a write; returns how many rows it changed. */
  run(sql: string, ...params: SQLInputValue[]): number {
    return Number(this.stmt(sql).run(...params).changes);
  }

  /** Every SQL text prepared so far (the plan test EXPLAINs each one). */
  preparedSql(): string[] {
    return [...this.statements.keys()];
  }

  /**
   * Runs fn in one transaction, rolled back if it throws. Calls nested inside another
   * transaction join it. IMMEDIATE: the write lock is taken at BEGIN, so a transaction
   * never has to upgrade a read lock halfway (this process holds the file exclusively anyway).
   */
  tx<T>(fn: () => T): T {
    if (this.depth > 0) return fn();
    this.raw.exec("BEGIN IMMEDIATE");
    this.depth++;
    try {
      const result = fn();
      this.raw.exec("COMMIT");
      return result;
    } catch (e) {
      if (this.raw.isTransaction) this.raw.exec("ROLLBACK");
      throw e;
    } finally {
      this.depth--;
    }
  }
}

// SQLite's primary result codes (the low byte of the extended code node:sqlite reports).
export const SQLITE = { BUSY: 5, LOCKED: 6, READONLY: 8, IOERR: 10, CORRUPT: 11, FULL: 13, CANTOPEN: 14, CONSTRAINT: 19, NOTADB: 26 } as const;
const SQLITE_CONSTRAINT_PRIMARYKEY = 1555;
const SQLITE_CONSTRAINT_UNIQUE = 2067;

/** The primary SQLite result code of a node:sqlite error, or null for any other error. */
export function sqliteCode(e: unknown): number | null {
  if (e instanceof Error && "errcode" in e && typeof e.errcode === "number") return e.errcode & 0xff;
  return null;
}

/**
 * When e is a UNIQUE or PRIMARY KEY violation, the violated columns ("users.phone" →
 * ["phone"]); null otherwise. SQLite names the columns in its message.
 */
export function uniqueViolation(e: unknown): string[] | null {
  if (!(e instanceof Error) || !("errcode" in e)) return null;
  if (e.errcode !== SQLITE_CONSTRAINT_UNIQUE && e.errcode !== SQLITE_CONSTRAINT_PRIMARYKEY) return null;
  const columns = /constraint failed: (.*)$/.exec(e.message)?.[1] ?? "";
  return columns.split(", ").map((c) => c.slice(c.indexOf(".") + 1));
}

/** Turns the errors the database raises for its own reasons into StorageUnavailableError. */
export function mapError(path: string, e: unknown): unknown {
  switch (sqliteCode(e)) {
    case SQLITE.FULL:
      return new StorageUnavailableError(`${path}: the disk is full`, { cause: e });
    case SQLITE.READONLY:
      return new StorageUnavailableError(`${path}: the database is read-only`, { cause: e });
    case SQLITE.IOERR:
      return new StorageUnavailableError(`${path}: input/output error`, { cause: e });
    case SQLITE.BUSY:
    case SQLITE.LOCKED:
      return new StorageUnavailableError(`${path}: the database is locked`, { cause: e });
    case SQLITE.CORRUPT:
    case SQLITE.NOTADB:
      return new StorageUnavailableError(`${path}: the database file is corrupt`, { cause: e });
    default:
      return e;
  }
}

/** A repository written with synchronous methods; `asyncRepo` gives it the interface's shape. */
export type Sync<T> = { [K in keyof T]: T[K] extends (...args: infer A) => Promise<infer R> ? (...args: A) => R : never };

/**
 * The interface's async methods around the synchronous ones, with database errors mapped.
 * The statements themselves are synchronous: node:sqlite has no async API, and an
 * embedded database answers in microseconds.
 */
export function asyncRepo<T>(db: SqliteDb, impl: Sync<T>): T {
  const out: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(impl as Record<string, (...args: unknown[]) => unknown>)) {
    out[name] = async (...args: unknown[]) => {
      try {
        return fn(...args);
      } catch (e) {
        throw mapError(db.path, e);
      }
    };
  }
  return out as T;
}

/** Rethrows a unique violation of `column` as DuplicateKeyError(key). */
export function duplicateAs(e: unknown, column: string, key = column): never {
  if (uniqueViolation(e)?.includes(column)) throw new DuplicateKeyError(key);
  throw e;
}

// Dates are stored as INTEGER milliseconds since the epoch.
export function ms(d: Date | string | number): number {
  const t = d instanceof Date ? d.getTime() : typeof d === "number" ? d : Date.parse(d);
  if (!Number.isFinite(t)) throw new TypeError(`not a date: ${String(d)}`);
  return t;
}
export function msOrNull(d: Date | string | number | null | undefined): number | null {
  return d === null || d === undefined ? null : ms(d);
}
export function date(v: Cell): Date {
  return new Date(Number(v));
}
export function dateOrNull(v: Cell): Date | null {
  return v === null || v === undefined ? null : new Date(Number(v));
}

export function str(v: Cell): string {
  return String(v);
}
export function strOrNull(v: Cell): string | null {
  return v === null || v === undefined ? null : String(v);
}
export function num(v: Cell): number {
  return Number(v);
}
export function bool(v: Cell): boolean {
  return Number(v) !== 0;
}

/** Nested values (cards, media, lists) are stored as JSON text. */
export function json(v: unknown): string {
  return JSON.stringify(v ?? null);
}
export function parse<T>(v: Cell): T {
  return JSON.parse(String(v)) as T;
}

/** A list parameter for `IN (SELECT value FROM json_each(?))`: one statement for any length. */
export function list(values: readonly string[]): string {
  return JSON.stringify(values);
}

/** The fields of a patch that are given (not undefined), among those it may change. */
export function given<T extends object>(patch: Partial<T>, fields: readonly (keyof T)[]): Partial<T> {
  const out: Partial<T> = {};
  for (const f of fields) if (patch[f] !== undefined) out[f] = patch[f];
  return out;
}
