// The account_deletions collection (src/storage/mongo/account-deletions.ts): one document per
// deletion job, under the user's id. schemas.ts registers it.
import { Schema } from "mongoose";

export interface AccountDeletionDoc {
  _id: string; // the user id
  step: string;
  cursor: string | null;
  started_at: Date;
  updated_at: Date;
  finished_at: Date | null;
}

const req = (type: unknown) => ({ type, required: true });
export const accountDeletionSchema = new Schema(
  { _id: req(String), step: req(String), cursor: { type: String, default: null }, started_at: req(Date), updated_at: req(Date), finished_at: { type: Date, default: null } },
  { versionKey: false, minimize: false },
);
accountDeletionSchema.index({ finished_at: 1, started_at: 1 });

