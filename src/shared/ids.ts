// Ids the server makes for users, messages, partner requests and uploads: 24 hex digits,
// the first 8 the creation second (ObjectId's layout), so they sort roughly by time, look
// the same on both databases, and ids from the previous release (MongoDB ObjectIds) stay valid.
import { randomBytes } from "node:crypto";

export const ID_PATTERN = /^[0-9a-f]{24}$/;

export function newId(now = Date.now()): string {
  const seconds = Math.floor(now / 1000).toString(16).padStart(8, "0");
  return seconds + randomBytes(8).toString("hex");
}
