// Refresh-token bookkeeping. A session is one refresh-token family (one login on one
// device); each rotation adds a token to it. Expired rows are pruned by the server,
// not by a TTL index, so the same code runs on FerretDB and MongoDB.
import { Schema, type Connection, type Model, type Types } from "mongoose";

export interface SessionDoc {
  _id: string; // family id (the `sid` claim)
  user_id: Types.ObjectId;
  revoked_at: Date | null;
  revoked_reason: string | null;
  expires_at: Date;
  created_at: Date;
}

export interface RefreshTokenDoc {
  _id: string; // jti
  session_id: string;
  user_id: Types.ObjectId;
  used_at: Date | null;
  expires_at: Date;
}

const sessionSchema = new Schema<SessionDoc>(
  {
    _id: { type: String, required: true },
    user_id: { type: Schema.Types.ObjectId, required: true, index: true },
    revoked_at: { type: Date, default: null },
    revoked_reason: { type: String, default: null },
    expires_at: { type: Date, required: true, index: true },
    created_at: { type: Date, default: () => new Date() },
  },
  { versionKey: false },
);

const refreshTokenSchema = new Schema<RefreshTokenDoc>(
  {
    _id: { type: String, required: true },
    session_id: { type: String, required: true, index: true },
    user_id: { type: Schema.Types.ObjectId, required: true },
    used_at: { type: Date, default: null },
    expires_at: { type: Date, required: true, index: true },
  },
  { versionKey: false },
);

// One row per refresh token ever presented: inserting it is the single-use claim. A unique
// _id makes the claim atomic on any MongoDB-compatible server, including ones whose
// conditional updates are not (FerretDB v1 applies findAndModify as read-then-write).
export interface RefreshClaimDoc {
  _id: string; // jti
  expires_at: Date;
}
const refreshClaimSchema = new Schema<RefreshClaimDoc>(
  { _id: { type: String, required: true }, expires_at: { type: Date, required: true, index: true } },
  { versionKey: false },
);

export type SessionModel = Model<SessionDoc>;
export type RefreshClaimModel = Model<RefreshClaimDoc>;
export type RefreshTokenModel = Model<RefreshTokenDoc>;

export function defineSessionModels(conn: Connection) {
  return {
    Session: conn.model<SessionDoc>("Session", sessionSchema, "auth_sessions"),
    RefreshToken: conn.model<RefreshTokenDoc>("RefreshToken", refreshTokenSchema, "auth_refresh_tokens"),
    RefreshClaim: conn.model<RefreshClaimDoc>("RefreshClaim", refreshClaimSchema, "auth_refresh_claims"),
  };
}
