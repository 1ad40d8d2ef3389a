// Rows reaching db:copy's upsert may come from JSON (a backup file): dates as ISO strings
// or epoch milliseconds. Each table's date fields become Dates before anything is stored.
import type { CopyTable } from "../copy.ts";

type Row = Record<string, unknown>;

const DATE_FIELDS: Record<CopyTable, readonly string[]> = {
  users: ["created_at", "updated_at", "suspended_until"],
  sessions: ["revoked_at", "expires_at", "created_at", "last_used_at"],
  refresh_tokens: ["used_at", "expires_at"],
  partner_requests: ["created_at", "responded_at"],
  conversations: ["last_message_at", "created_at"],
  members: ["joined_at", "read_at", "muted_until"],
  messages: ["last_edited_at", "deleted_at", "created_at"],
  events: ["created_at"],
  stream: [],
  groups: ["created_at", "updated_at"],
  profiles: ["updated_at"],
  sticker_packs: ["created_at"],
  uploads: ["created_at"],
  push_subscriptions: ["created_at"],
  reports: ["created_at", "updated_at"],
  group_bans: ["created_at"],
  group_post_blocks: ["until", "created_at"],
  blocks: ["created_at"],
  audit_events: ["at"],
};

/** A Date from a Date, an ISO string or epoch milliseconds; null and undefined stay null. */
export function toDate(v: unknown): Date | null {
  if (v === null || v === undefined) return null;
  const d = v instanceof Date ? v : new Date(v as string | number);
  if (Number.isNaN(d.getTime())) throw new TypeError(`not a date: ${String(v)}`);
  return d;
}

export function normalizeRow(table: CopyTable, row: Row): Row {
  const out: Row = { ...row };
  for (const f of DATE_FIELDS[table]) if (f in out) out[f] = toDate(out[f]);
  if (table === "messages") {
    out.edits = ((out.edits as Row[] | undefined) ?? []).map((e) => ({ text: e.text, edited_at: toDate(e.edited_at) }));
    const reactions = (out.reactions as Record<string, Row> | undefined) ?? {};
    out.reactions = Object.fromEntries(Object.entries(reactions).map(([user, r]) => [user, { emoji: r.emoji, at: toDate(r.at), username: r.username }]));
    out.mentions = (out.mentions as string[] | undefined) ?? [];
  }
  if (table === "members") out.muted_until ??= null;
  if (table === "reports" && out.resolution) out.resolution = { ...(out.resolution as Row), at: toDate((out.resolution as Row).at) };
  if (table === "events" && typeof out.seq === "string") out.seq = Number(out.seq);
  return out;
}
