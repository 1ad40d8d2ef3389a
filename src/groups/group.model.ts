import { Schema, type Connection, type Model } from "mongoose";

export type GroupRole = "owner" | "admin" | "member";

export interface GroupMember {
  user_id: string;
  role: GroupRole;
  joined_at: Date;
}

export interface GroupDoc {
  _id: string; // the public group id
  name: string;
  description: string;
  is_public: boolean;
  owner_id: string;
  avatar_url: string | null;
  members: GroupMember[];
  created_at: Date;
  updated_at: Date;
}

const schema = new Schema<GroupDoc>(
  {
    _id: { type: String, required: true },
    name: { type: String, required: true },
    description: { type: String, default: "" },
    is_public: { type: Boolean, default: true },
    owner_id: { type: String, required: true },
    avatar_url: { type: String, default: null },
    members: { type: [{ _id: false, user_id: String, role: String, joined_at: Date }], default: [] },
  },
  { versionKey: false, timestamps: { createdAt: "created_at", updatedAt: "updated_at" } },
);
schema.index({ "members.user_id": 1 });
schema.index({ is_public: 1, updated_at: -1 });

export type GroupModel = Model<GroupDoc>;

export function defineGroupModel(conn: Connection): GroupModel {
  return conn.model<GroupDoc>("Group", schema, "groups");
}
