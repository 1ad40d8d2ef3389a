import { Schema, type Connection, type Model } from "mongoose";

export interface ProfileDoc {
  _id: string; // the user id
  bio: string;
  birthdate: string | null; // YYYY-MM-DD
  gender: string | null;
  interests: string[];
  looking_for: string | null;
  city: string | null;
  photos: string[];
  social_links: { platform: string; url: string }[];
  updated_at: Date;
}

const schema = new Schema<ProfileDoc>(
  {
    _id: { type: String, required: true },
    bio: { type: String, default: "" },
    birthdate: { type: String, default: null },
    gender: { type: String, default: null },
    interests: { type: [String], default: [] },
    looking_for: { type: String, default: null },
    city: { type: String, default: null },
    photos: { type: [String], default: [] },
    social_links: { type: [{ _id: false, platform: String, url: String }], default: [] },
    updated_at: { type: Date, default: () => new Date() },
  },
  { versionKey: false },
);

export type ProfileModel = Model<ProfileDoc>;
export function defineProfileModel(conn: Connection): ProfileModel {
  return conn.model<ProfileDoc>("Profile", schema, "profiles");
}
