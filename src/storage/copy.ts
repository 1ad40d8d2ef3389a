// The bulk interface `npm run db:copy` uses to move a deployment between the two
// implementations (and to back one up): every table/collection as pages of neutral
// records (the repositories' record types, dates as Date), written back with upserts
// keyed by each record's identity, so a copy can stop and start again and never
// duplicates anything.
export const COPY_TABLES = [
  "users",
  "sessions",
  "refresh_tokens",
  "partner_requests",
  "conversations",
  "members",
  "messages",
  "events",
  "stream",
  "groups",
  "profiles",
  "sticker_packs",
  "uploads",
  "push_subscriptions",
  "reports",
  "group_bans",
  "group_post_blocks",
  "blocks",
  "audit_events",
] as const;
export type CopyTable = (typeof COPY_TABLES)[number];

export interface CopyPage {
  rows: Record<string, unknown>[];
  /** Pass back as `after` for the next page; null when this was the last. */
  next: string | null;
}

export interface CopySource {
  /** Rows in a stable order (by identity), from after the cursor. */
  page(table: CopyTable, after: string | null, limit: number): Promise<CopyPage>;
  count(table: CopyTable): Promise<number>;
}

export interface CopyTarget {
  /** Inserts or replaces each row by its identity. */
  upsert(table: CopyTable, rows: readonly Record<string, unknown>[]): Promise<void>;
}
