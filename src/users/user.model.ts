// The user document. Field names are the API's snake_case, so mapping to DTOs stays trivial.
import { Schema, type Connection, type Model, type Types } from "mongoose";

export interface UserDoc {
  _id: Types.ObjectId;
  phone: string;
  username: string;
  display_name: string;
  password_hash: string;
  email: string | null;
  mood: string | null;
  avatar_url: string | null;
  bubble_color: string | null;
  partner_id: Types.ObjectId | null;
  created_at: Date;
  updated_at: Date;
}

const userSchema = new Schema<UserDoc>(
  {
    phone: { type: String, required: true, unique: true },
    username: { type: String, required: true, unique: true },
    display_name: { type: String, required: true },
    password_hash: { type: String, required: true },
    email: { type: String, default: null },
    mood: { type: String, default: null },
    avatar_url: { type: String, default: null },
    bubble_color: { type: String, default: null },
    partner_id: { type: Schema.Types.ObjectId, default: null },
  },
  { timestamps: { createdAt: "created_at", updatedAt: "updated_at" }, versionKey: false },
);

export type UserModel = Model<UserDoc>;

export function defineUserModel(conn: Connection): UserModel {
  return conn.model<UserDoc>("User", userSchema, "users");
}
