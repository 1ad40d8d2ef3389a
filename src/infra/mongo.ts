// The MongoDB connection. Models are registered per connection (not on mongoose's global
// singleton) so that tests and benchmarks can run several app instances in one process.
import mongoose, { type Connection } from "mongoose";

// Request input reaches filters only after zod has made it a plain string or number, so
// an operator such as {"$ne": null} cannot get in. Queries keyed directly by what a client
// typed (login, lookup) also set sanitizeFilter, as a second fence. It is not global
// because it would neutralise the server's own operators ($in, $gt, ...).
mongoose.set("strictQuery", true);

export async function connectMongo(uri: string, dbName = "chat"): Promise<Connection> {
  const conn = mongoose.createConnection(uri, {
    dbName: new URL(uri).pathname.replace(/^\//, "") || dbName,
    serverSelectionTimeoutMS: 10_000,
    // Buffering hides an unreachable database behind hanging requests; fail fast instead.
    bufferCommands: false,
    autoIndex: true,
  });
  await conn.asPromise();
  return conn;
}

/**
 * A unique-index violation. MongoDB reports code 11000; FerretDB v1 reports 11000 for _id
 * but a generic error ("UNIQUE constraint failed") for other unique indexes.
 */
export function isDuplicateKeyError(err: unknown): boolean {
  if (typeof err !== "object" || err === null) return false;
  const e = err as { code?: number; message?: string };
  return e.code === 11000 || /E11000|UNIQUE constraint failed|duplicate key/i.test(e.message ?? "");
}

export async function pingMongo(conn: Connection): Promise<boolean> {
  try {
    await conn.db!.admin().command({ ping: 1 });
    return true;
  } catch {
    return false;
  }
}
