// Driver errors in the storage's own vocabulary (src/storage/errors.ts): services never see
// a MongoDB error code.
import { DuplicateKeyError, StorageUnavailableError } from "../errors.ts";

/**
 * A unique-index violation. MongoDB reports code 11000 (with keyPattern); FerretDB v1
 * reports 11000 without saying which index, and older builds a generic "UNIQUE constraint
 * failed", so callers that must know which key collided look it up.
 */
export function isDuplicateKey(err: unknown): boolean {
  if (typeof err !== "object" || err === null) return false;
  const e = err as { code?: unknown; message?: unknown };
  return e.code === 11000 || e.code === 11001 || /E11000|UNIQUE constraint failed|duplicate key/i.test(String(e.message ?? ""));
}

// Server answers that mean "not now" rather than "no": timeouts (MaxTimeMSExpired,
// ExceededTimeLimit, NetworkTimeout), a node shutting down or stepping down, no disk space.
const UNAVAILABLE_CODES = new Set([6, 7, 50, 89, 91, 189, 202, 262, 9001, 10107, 11600, 11602, 13435, 13436, 14031]);
// Driver-side: no server selectable, connection lost or closed, pool cleared, timeouts.
const UNAVAILABLE_NAMES =
  /ServerSelection|Network|NotConnected|TopologyClosed|ClientClosed|ServerClosed|PoolCleared|OperationTimeout|WaitQueueTimeout|MongooseServerSelection/;
// What FerretDB's SQLite backend says when the file cannot be written, and what mongoose
// says when the connection is not open (bufferCommands is off).
const UNAVAILABLE_MESSAGES =
  /database is locked|disk I\/O error|database or disk is full|readonly database|Client must be connected|initial connection is complete|connection .* closed|buffering timed out/i;

export function isUnavailable(err: unknown): boolean {
  if (typeof err !== "object" || err === null) return false;
  const e = err as { name?: unknown; code?: unknown; message?: unknown };
  if (typeof e.code === "number" && UNAVAILABLE_CODES.has(e.code)) return true;
  if (UNAVAILABLE_NAMES.test(String(e.name ?? ""))) return true;
  return UNAVAILABLE_MESSAGES.test(String(e.message ?? ""));
}

/** The storage error for a driver error; anything else is returned unchanged. */
export function toStorageError(err: unknown): unknown {
  if (err instanceof DuplicateKeyError || err instanceof StorageUnavailableError) return err;
  if (isUnavailable(err)) return new StorageUnavailableError(`MongoDB unavailable: ${(err as Error).message}`, { cause: err });
  return err;
}

type AnyFn = (...args: never[]) => Promise<unknown>;

/** The repository with every method's errors mapped by toStorageError. */
export function guarded<T extends object>(repo: T): T {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(repo)) {
    if (typeof value !== "function") {
      out[name] = value;
      continue;
    }
    const fn = value as AnyFn;
    out[name] = async (...args: never[]) => {
      try {
        return await fn.apply(repo, args);
      } catch (err) {
        throw toStorageError(err);
      }
    };
  }
  return out as T;
}

/** Runs an insert; true when it landed, false when a unique index refused it. */
export async function inserted(work: Promise<unknown>): Promise<boolean> {
  try {
    await work;
    return true;
  } catch (err) {
    if (isDuplicateKey(err)) return false;
    throw err;
  }
}
