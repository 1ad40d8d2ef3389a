// Reports of a message or a user, filed by users and resolved by a group's managers (a
// message in their group) or by operators (anything). One report stays open per reporter
// and target: filing again updates it. A message report keeps a snapshot of the message as
// it was, since the message may be edited or deleted afterwards.
import type { Media, MessageKind, StickerRef, UserCard } from "../contract/models.ts";

export const REPORT_REASONS = ["spam", "harassment", "hate", "sexual_content", "violence", "self_harm", "impersonation", "other"] as const;
export type ReportReason = (typeof REPORT_REASONS)[number];

export const REPORT_ACTIONS = ["dismiss", "delete_message", "remove_from_group", "ban_from_group", "suspend_account"] as const;
export type ReportAction = (typeof REPORT_ACTIONS)[number];

export type ReportStatus = "open" | "resolved";

/** The reported message when it was reported (JSON-safe: stored as it is on both databases). */
export interface MessageSnapshot {
  sender: UserCard;
  text: string;
  kind: MessageKind;
  media: Media | null;
  sticker: StickerRef | null;
  seq: number;
  /** When the message was sent (ISO 8601). */
  created_at: string;
}

export interface ReportResolution {
  action: ReportAction;
  note: string | null;
  /** Who resolved it. */
  by: string;
  at: Date;
}

export interface ReportRecord {
  id: string;
  reporter_id: string;
  target_type: "message" | "user";
  /** The user the report is about: the message's sender, or the user reported. */
  target_user_id: string;
  /** Message reports: where the message is, and which. Null on user reports. */
  conversation_key: string | null;
  message_id: string | null;
  reason: ReportReason;
  note: string | null;
  snapshot: MessageSnapshot | null;
  status: ReportStatus;
  resolution: ReportResolution | null;
  created_at: Date;
  updated_at: Date;
}

export type NewReport = Omit<ReportRecord, "status" | "resolution" | "updated_at">;

export interface ReportQuery {
  /** Only the reports about messages of this conversation. */
  conversation_key?: string | undefined;
  status?: ReportStatus | undefined;
  /** Only reports with an id below this one (the previous page's last). */
  before?: string | undefined;
  limit: number;
}

/** What identifies a report's target: one open report per reporter and this key. */
export const targetKey = (r: Pick<ReportRecord, "target_type" | "message_id" | "target_user_id">) =>
  r.target_type === "message" ? `message:${r.message_id}` : `user:${r.target_user_id}`;

export interface ReportRepository {
  /**
   * Stores the report, open, unless the reporter has an open one about the same target: then
   * that one takes this one's reason, note and snapshot and a new updated_at (its id and
   * created_at stay), and created is false. Concurrent files of one target by one reporter
   * leave one open report.
   */
  file(r: NewReport): Promise<{ report: ReportRecord; created: boolean }>;
  byId(id: string): Promise<ReportRecord | null>;
  /** Newest first (by id, which starts with the creation second), at most `limit`. */
  list(q: ReportQuery): Promise<ReportRecord[]>;
  /** Marks an open report resolved; null when there is no such report or it is resolved already. */
  resolve(id: string, resolution: ReportResolution): Promise<ReportRecord | null>;
}
