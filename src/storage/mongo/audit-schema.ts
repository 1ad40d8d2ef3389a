// The `audit_events` collection's documents and indexes, on their own so that schemas.ts can
// register them without importing the repository (which imports schemas.ts).
import { Schema } from "mongoose";

/** One security event of a user; `data` is JSON text (as event payloads are), so none of its keys becomes a field name. */
export interface AuditDoc {
  _id: string;
  user_id: string;
  type: string;
  at: Date;
  ip: string | null;
  device: string | null;
  data: string;
}

const req = (type: unknown) => ({ type, required: true });
export const auditEventSchema = new Schema(
  { _id: req(String), user_id: req(String), type: req(String), at: req(Date), ip: { type: String, default: null }, device: { type: String, default: null }, data: req(String) },
  { versionKey: false, minimize: false },
);
// A user's events newest first (with the cursor's tie-break on _id); pruning by age.
auditEventSchema.index({ user_id: 1, at: -1, _id: -1 });
auditEventSchema.index({ at: 1 });
