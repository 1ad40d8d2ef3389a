// Errors every storage implementation raises the same way, so services never look at a
// driver's error codes.

/** A unique key was taken: `key` names which one ("phone", "username", "id", "client_message_id"...). */
export class DuplicateKeyError extends Error {
  readonly key: string;
  constructor(key: string, message = `duplicate ${key}`) {
    super(message);
    this.name = "DuplicateKeyError";
    this.key = key;
  }
}

/** The database did not answer in time, or refused the operation for a reason of its own (disk full, read-only). */
export class StorageUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "StorageUnavailableError";
  }
}
