// The MongoDB connection. Models are registered per connection (not on mongoose's global
// singleton) so that tests and benchmarks can run several app instances in one process.
import mongoose, { type Connection } from "mongoose";

// Filters built from request input must never carry query operators ({"$ne": null}).
mongoose.set("sanitizeFilter", true);
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

export async function pingMongo(conn: Connection): Promise<boolean> {
  try {
    await conn.db!.admin().command({ ping: 1 });
    return true;
  } catch {
    return false;
  }
}
