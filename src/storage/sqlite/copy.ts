// db:copy's view of the SQLite database: every table as pages of the repositories' own
// records in identity order, and upserts keyed by that identity.
import type { AuditRecord } from "../../audit/audit.repository.ts";
import type { RefreshTokenRecord, SessionRecord } from "../../auth/session.repository.ts";
import type { PartnerRequestRecord } from "../../couples/partner-request.repository.ts";
import type { EventRecord } from "../../events/event.repository.ts";
import type { GroupRecord } from "../../groups/group.repository.ts";
import type { UploadRecord } from "../../media/upload.repository.ts";
import type { ConversationRecord, MemberRecord } from "../../messaging/conversation.repository.ts";
import type { MessageRecord } from "../../messaging/message.repository.ts";
import type { ProfileRecord } from "../../profiles/profile.repository.ts";
import type { PushSubscriptionRecord } from "../../push/push-subscription.repository.ts";
import type { StickerPackRecord } from "../../stickers/sticker.repository.ts";
import type { UserRecord } from "../../users/user.repository.ts";
import type { CopyPage, CopySource, CopyTable, CopyTarget } from "../copy.ts";
import { asyncRepo, num, str, type Row, type SqliteDb, type Sync } from "./database.ts";
import { conversationFromRow, memberFromRow, putConversation, putMember } from "./conversations.ts";
import { eventFromRow, putEvent } from "./events.ts";
import { groupFromRow, putGroup } from "./groups.ts";
import { withReactions, putMessage } from "./messages.ts";
import { partnerRequestFromRow, putPartnerRequest } from "./partner-requests.ts";
import { profileFromRow, putProfile } from "./profiles.ts";
import { refreshTokenFromRow, putRefreshToken, putSession, sessionFromRow } from "./sessions.ts";
import { putStickerPack, stickerPackFromRow } from "./stickers.ts";
import { putUpload, uploadFromRow } from "./uploads.ts";
import { pushSubscriptionFromRow, putPushSubscription } from "./push-subscriptions.ts";
import { blocksCopyTable } from "./blocks.ts";
import { groupBansCopyTable, postBlocksCopyTable } from "./group-sanctions.ts";
import { reportsCopyTable } from "./reports.ts";
import { auditFromRow, putAudit } from "./audit.ts";
import { putUser, userFromRow } from "./users.ts";

type Rec = Record<string, unknown>;

interface TableCopy {
  page(after: string | null, limit: number): CopyPage;
  count(): number;
  put(row: Rec): void;
}

function pageOf(rows: Rec[], limit: number, cursor: (r: Rec) => string): CopyPage {
  const last = rows.at(-1);
  return { rows, next: rows.length >= limit && last ? cursor(last) : null };
}

/** A table whose identity is one TEXT primary key column. */
function byTextKey(db: SqliteDb, table: string, key: string, read: (rows: Row[]) => Rec[], put: (r: Rec) => void): TableCopy {
  return {
    page(after, limit) {
      // Every key sorts after '', so the first page needs no statement of its own.
      const rows = db.all(`SELECT * FROM ${table} WHERE ${key} > ? ORDER BY ${key} LIMIT ?`, after ?? "", limit);
      return pageOf(read(rows), limit, (r) => String(r[key]));
    },
    count: () => num(db.get(`SELECT count(*) AS n FROM ${table}`)?.n),
    put,
  };
}

const each = <T>(fromRow: (r: Row) => T) => (rows: Row[]) => rows.map((r) => fromRow(r) as Rec);

function tables(db: SqliteDb): Record<CopyTable, TableCopy> {
  return {
    users: byTextKey(db, "users", "id", each(userFromRow), (r) => putUser(db, r as unknown as UserRecord, true)),
    sessions: byTextKey(db, "sessions", "id", each(sessionFromRow), (r) => putSession(db, r as unknown as SessionRecord, true)),
    refresh_tokens: byTextKey(db, "refresh_tokens", "id", each(refreshTokenFromRow), (r) => putRefreshToken(db, r as unknown as RefreshTokenRecord, true)),
    partner_requests: byTextKey(db, "partner_requests", "id", each(partnerRequestFromRow), (r) =>
      putPartnerRequest(db, r as unknown as PartnerRequestRecord, true),
    ),
    conversations: byTextKey(db, "conversations", "key", each(conversationFromRow), (r) => putConversation(db, r as unknown as ConversationRecord, true)),
    members: {
      page(after, limit) {
        const [key, user] = after ? (JSON.parse(after) as [string, string]) : ["", ""];
        const rows = db.all(
          "SELECT * FROM members WHERE (conversation_key, user_id) > (?, ?) ORDER BY conversation_key, user_id LIMIT ?",
          key, user, limit,
        );
        return pageOf(each(memberFromRow)(rows), limit, (r) => JSON.stringify([r.conversation_key, r.user_id]));
      },
      count: () => num(db.get("SELECT count(*) AS n FROM members")?.n),
      put: (r) => putMember(db, r as unknown as MemberRecord, true),
    },
    messages: byTextKey(db, "messages", "id", (rows) => withReactions(db, rows) as unknown as Rec[], (r) => putMessage(db, r as unknown as MessageRecord)),
    events: {
      page(after, limit) {
        const rows = db.all("SELECT * FROM events WHERE seq > ? ORDER BY seq LIMIT ?", after === null ? 0 : Number(after), limit);
        return pageOf(each(eventFromRow)(rows), limit, (r) => String(r.seq));
      },
      count: () => num(db.get("SELECT count(*) AS n FROM events")?.n),
      put(r) {
        const e = r as unknown as EventRecord;
        putEvent(db, { ...e, seq: Number(e.seq) }, JSON.stringify(e.payload ?? {}));
      },
    },
    stream: {
      // One row at most: the stream is 'main' whatever the source called it.
      page(after) {
        const r = after === null ? db.get("SELECT epoch, pruned_through FROM stream WHERE id = 'main'") : undefined;
        return { rows: r ? [{ id: "main", epoch: str(r.epoch), pruned_through: num(r.pruned_through) }] : [], next: null };
      },
      count: () => num(db.get("SELECT count(*) AS n FROM stream")?.n),
      put(r) {
        db.run("INSERT OR REPLACE INTO stream (id, epoch, pruned_through) VALUES ('main', ?, ?)", String(r.epoch), Number(r.pruned_through ?? 0));
      },
    },
    groups: byTextKey(db, `"groups"`, "id", each(groupFromRow), (r) => putGroup(db, r as unknown as GroupRecord, true)),
    profiles: byTextKey(db, "profiles", "user_id", each(profileFromRow), (r) => putProfile(db, r as unknown as ProfileRecord)),
    sticker_packs: byTextKey(db, "sticker_packs", "id", each(stickerPackFromRow), (r) => putStickerPack(db, r as unknown as StickerPackRecord, true)),
    uploads: byTextKey(db, "uploads", "id", each(uploadFromRow), (r) => putUpload(db, r as unknown as UploadRecord)),
    push_subscriptions: byTextKey(db, "push_subscriptions", "id", each(pushSubscriptionFromRow), (r) => putPushSubscription(db, r as unknown as PushSubscriptionRecord)),
    blocks: blocksCopyTable(db),
    reports: reportsCopyTable(db),
    group_bans: groupBansCopyTable(db),
    group_post_blocks: postBlocksCopyTable(db),
    audit_events: byTextKey(db, "audit_events", "id", each(auditFromRow), (r) => putAudit(db, r as unknown as AuditRecord, true)),
  };
}

export function sqliteCopy(db: SqliteDb): CopySource & CopyTarget {
  const t = tables(db);
  const table = (name: CopyTable) => {
    const found = t[name];
    if (!found) throw new Error(`unknown table ${String(name)}`);
    return found;
  };
  const repo: Sync<CopySource & CopyTarget> = {
    page: (name, after, limit) => table(name).page(after, limit),
    count: (name) => table(name).count(),
    upsert(name, rows) {
      const target = table(name);
      db.tx(() => rows.forEach((r) => target.put(r)));
    },
  };
  return asyncRepo(db, repo);
}
