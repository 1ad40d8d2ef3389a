// The moderation collections (reports, group bans, group post blocks). schemas.ts gathers
// them with the others.
import { Schema } from "mongoose";

const opts = { versionKey: false, minimize: false } as const;
const req = (type: unknown) => ({ type, required: true });
const nullable = (type: unknown) => ({ type, default: null });

/**
 * A report. One open report per (reporter, target) is the unique open_key: while open it is
 * "<reporter>|<target>", once resolved "resolved:<id>", so resolved ones never collide and
 * the index needs no partial filter (FerretDB v1 has none).
 */
export interface ReportDoc {
  _id: string;
  reporter_id: string;
  target_type: string;
  target_key: string;
  target_user_id: string;
  conversation_key: string | null;
  message_id: string | null;
  reason: string;
  note: string | null;
  snapshot: unknown;
  status: string;
  open_key: string;
  resolved_action: string | null;
  resolved_note: string | null;
  resolved_by: string | null;
  resolved_at: Date | null;
  created_at: Date;
  updated_at: Date;
}
const reports = new Schema(
  {
    _id: req(String),
    reporter_id: req(String),
    target_type: req(String),
    target_key: req(String),
    target_user_id: req(String),
    conversation_key: nullable(String),
    message_id: nullable(String),
    reason: req(String),
    note: nullable(String),
    snapshot: nullable(Schema.Types.Mixed),
    status: req(String),
    open_key: req(String),
    resolved_action: nullable(String),
    resolved_note: nullable(String),
    resolved_by: nullable(String),
    resolved_at: nullable(Date),
    created_at: req(Date),
    updated_at: req(Date),
  },
  opts,
);
reports.index({ open_key: 1 }, { unique: true });
// Newest first (ids start with their second): all, by status, by conversation, by both.
reports.index({ status: 1, _id: -1 });
reports.index({ conversation_key: 1, _id: -1 });
reports.index({ conversation_key: 1, status: 1, _id: -1 });

/** One per (group, user): `_id` is `<group_id>#<user_id>`. */
export interface GroupBanDoc {
  _id: string;
  group_id: string;
  user_id: string;
  banned_by: string;
  reason: string | null;
  created_at: Date;
}
const groupBans = new Schema(
  { _id: req(String), group_id: req(String), user_id: req(String), banned_by: req(String), reason: nullable(String), created_at: req(Date) },
  opts,
);
groupBans.index({ group_id: 1, created_at: -1, user_id: -1 });

/** One per (group, user): `_id` is `<group_id>#<user_id>`. */
export interface PostBlockDoc {
  _id: string;
  group_id: string;
  user_id: string;
  until: Date;
  blocked_by: string;
  created_at: Date;
}
const postBlocks = new Schema(
  { _id: req(String), group_id: req(String), user_id: req(String), until: req(Date), blocked_by: req(String), created_at: req(Date) },
  opts,
);
postBlocks.index({ group_id: 1, until: 1, user_id: 1 }); // a group's mutes in force, soonest end first; its prefix: a group's removal

export const moderationSchemas = {
  reports,
  group_bans: groupBans,
  group_post_blocks: postBlocks,
} as const;
