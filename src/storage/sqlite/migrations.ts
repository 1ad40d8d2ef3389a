// The schema, as an ordered list of migrations. Migration i (0-based) brings a database
// from `PRAGMA user_version` i to i + 1, in one transaction together with the version
// bump, so a crash leaves the database at one version or the next, never in between.
// Append new migrations at the end (schema-later.ts); never edit one that has shipped.
//
// Dates are INTEGER milliseconds, booleans 0/1, nested values (cards, media, lists) JSON
// text. No foreign keys: the MongoDB implementation has none, so both answer the same
// contract, and `db:copy` writes tables one at a time in any order. STRICT tables make a
// wrongly typed value fail at the write instead of being stored as something else.
import type { SqliteDb } from "./database.ts";
import { FIRST_SCHEMA } from "./schema-first.ts";
import { LATER_SCHEMAS } from "./schema-later.ts";

export const MIGRATIONS: readonly string[] = [...FIRST_SCHEMA, ...LATER_SCHEMAS];

export function schemaVersion(db: SqliteDb): number {
  return Number(db.raw.prepare("PRAGMA user_version").get()?.user_version ?? 0);
}

/**
 * Brings the database to the newest schema. A database written by a newer server is
 * refused: this server would not know what its newer tables mean.
 */
export function migrate(db: SqliteDb): void {
  const current = schemaVersion(db);
  if (current > MIGRATIONS.length) {
    throw new Error(`${db.path} was written by a newer server (schema ${current}, this server knows ${MIGRATIONS.length}); upgrade the server`);
  }
  for (let v = current; v < MIGRATIONS.length; v++) {
    db.tx(() => {
      db.raw.exec(MIGRATIONS[v]!);
      // PRAGMA takes no parameters; v is our own integer.
      db.raw.exec(`PRAGMA user_version = ${v + 1}`);
    });
  }
}
