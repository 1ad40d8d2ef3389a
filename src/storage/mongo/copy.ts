// db:copy's bulk access (src/storage/copy.ts): each table as pages of the repositories'
// records in _id order, written back with replaceOne upserts keyed by _id. What a record
// holds but this layout keeps elsewhere travels with it: a message's reactions (their own
// documents), a refresh token's used_at (its claim), a user's partner (its claim).
import type { Model } from "mongoose";
import type { RefreshTokenRecord } from "../../auth/session.repository.ts";
import type { EventRecord } from "../../events/event.repository.ts";
import type { MessageRecord } from "../../messaging/message.repository.ts";
import type { UserRecord } from "../../users/user.repository.ts";
import type { CopySource, CopyTable, CopyTarget } from "../copy.ts";
import { conversationDoc, memberDoc, toConversation, toMember } from "./conversations.ts";
import { normalizeRow } from "./copy-rows.ts";
import { toEvent } from "./events.ts";
import { groupDoc, toGroup } from "./groups.ts";
import { messageDoc, reactionDoc, toMessage } from "./messages.ts";
import { partnerRequestDoc, toPartnerRequest } from "./partner-requests.ts";
// Paged reads and whole-table counts carry this comment: the shape check lets them read
// a whole collection, which it refuses to anything else.
import { COPY_COMMENT } from "./query-shapes.ts";
import { raw, type EventDoc, type Models, type ReactionDoc, type RefreshClaimDoc, type StreamDoc } from "./schemas.ts";
import { sessionDoc, toRefreshToken, toSession } from "./sessions.ts";
import { pushSubscriptionDoc, toPushSubscription } from "./push-subscriptions.ts";
import { blockDoc, toBlock } from "./blocks.ts";
import { banDoc, postBlockDoc, toBan, toPostBlock } from "./group-sanctions.ts";
import { reportDoc, toReport } from "./reports.ts";
import { auditDoc, toAudit } from "./audit.ts";
import { profileDoc, stickerPackDoc, toProfile, toStickerPack, toUpload, uploadDoc } from "./small-repos.ts";
import { partnerClaim, toUser, userDoc } from "./users.ts";

type Row = Record<string, unknown>;
type Doc = { _id: string | number };

interface Table {
  model: Model<Doc>;
  numericId?: boolean;
  /** Documents of one page → records (reading what travels with them). */
  toRows(docs: Doc[]): Promise<Row[]>;
  /** Records → the documents they replace, and whatever travels with them. */
  write(rows: Row[]): Promise<void>;
}

async function replaceAll<D extends Doc>(model: Model<D>, docs: D[]): Promise<void> {
  if (docs.length === 0) return;
  const ops = docs.map((doc) => ({ replaceOne: { filter: { _id: doc._id }, replacement: doc, upsert: true } }));
  await raw(model as unknown as Model<Doc>).bulkWrite(ops as never, { ordered: false });
}

/** A table whose record is one document: read it, replace it. */
function table<D extends Doc, R>(model: Model<D>, toRow: (d: D) => R, toDoc: (r: R) => D, extra: Partial<Table> = {}): Table {
  return {
    model: model as unknown as Model<Doc>,
    toRows: async (docs) => docs.map((d) => toRow(d as D) as Row),
    write: (rows) => replaceAll(model, rows.map((r) => toDoc(r as R))),
    ...extra,
  };
}

export function mongoCopy(m: Models): CopySource & CopyTarget {
  const tables: Record<CopyTable, Table> = {
    users: table(m.users, toUser, userDoc, {
      async write(rows) {
        const users = rows as unknown as UserRecord[];
        await replaceAll(m.users, users.map(userDoc));
        // The partner link is decided by its claim (users.ts): a copied link brings its claim.
        const ops = users.map((u) => {
          const _id = partnerClaim(u.id);
          return u.partner_id
            ? { replaceOne: { filter: { _id }, replacement: { _id, value: u.partner_id, at: u.updated_at, taken_at: new Date(), expires_at: null }, upsert: true } }
            : { deleteOne: { filter: { _id } } };
        });
        await raw(m.claims).bulkWrite(ops as never, { ordered: false });
      },
    }),
    sessions: table(m.auth_sessions, toSession, sessionDoc),
    refresh_tokens: table(m.auth_refresh_tokens, (d) => toRefreshToken(d, null), (t: RefreshTokenRecord) => ({ _id: t.id, session_id: t.session_id, user_id: t.user_id, expires_at: t.expires_at }), {
      async toRows(docs) {
        const claims = await m.auth_refresh_claims.find({ _id: { $in: docs.map((d) => String(d._id)) } }).lean<RefreshClaimDoc[]>();
        const byId = new Map(claims.map((c) => [c._id, c]));
        return docs.map((d) => toRefreshToken(d as never, byId.get(String(d._id))) as unknown as Row);
      },
      async write(rows) {
        const tokens = rows as unknown as RefreshTokenRecord[];
        await replaceAll(m.auth_refresh_tokens, tokens.map((t) => ({ _id: t.id, session_id: t.session_id, user_id: t.user_id, expires_at: t.expires_at })));
        // used_at is the token's claim: a used token brings its claim, an unused one has none.
        const ops = tokens.map((t) =>
          t.used_at
            ? { replaceOne: { filter: { _id: t.id }, replacement: { _id: t.id, at: t.used_at, expires_at: t.expires_at }, upsert: true } }
            : { deleteOne: { filter: { _id: t.id } } },
        );
        await raw(m.auth_refresh_claims).bulkWrite(ops as never, { ordered: false });
      },
    }),
    partner_requests: table(m.partner_requests, toPartnerRequest, partnerRequestDoc),
    conversations: table(m.conversations, toConversation, conversationDoc),
    members: table(m.conversation_members, toMember, memberDoc),
    messages: table(m.messages, toMessage, messageDoc, {
      async toRows(docs) {
        const records = docs.map((d) => toMessage(d as never));
        const byId = new Map(records.map((r) => [r.id, r]));
        const reactions = records.length ? await m.message_reactions.find({ message_id: { $in: [...byId.keys()] } }).lean<ReactionDoc[]>() : [];
        for (const r of reactions) byId.get(r.message_id)!.reactions[r.user_id] = { emoji: r.emoji, at: r.at, username: r.username };
        return records as unknown as Row[];
      },
      async write(rows) {
        const messages = rows as unknown as MessageRecord[];
        await replaceAll(m.messages, messages.map(messageDoc));
        // A message's reactions are replaced with the record's.
        await m.message_reactions.deleteMany({ message_id: { $in: messages.map((x) => x.id) } });
        const reactions = messages.flatMap((x) => Object.entries(x.reactions ?? {}).map(([userId, r]) => reactionDoc(x, userId, r)));
        if (reactions.length > 0) await raw(m.message_reactions).insertMany(reactions, { ordered: false });
      },
    }),
    events: table(
      m.events,
      toEvent,
      (e: EventRecord): EventDoc => ({
        _id: e.seq, type: e.type, ns: e.ns, conversation_key: e.conversation_key ?? null, user_ids: e.user_ids ?? [],
        payload: JSON.stringify(e.payload ?? {}), writer: "db:copy", created_at: e.created_at,
      }),
      { numericId: true },
    ),
    stream: table(
      m.event_streams,
      (d: StreamDoc) => ({ id: d._id, epoch: d.epoch, pruned_through: d.pruned_through ?? 0 }),
      (r): StreamDoc => ({ _id: r.id, epoch: r.epoch, pruned_through: Number(r.pruned_through) }),
    ),
    groups: table(m.groups, toGroup, groupDoc),
    profiles: table(m.profiles, toProfile, profileDoc),
    sticker_packs: table(m.sticker_packs, toStickerPack, stickerPackDoc),
    uploads: table(m.uploads, toUpload, uploadDoc),
    push_subscriptions: table(m.push_subscriptions, toPushSubscription, pushSubscriptionDoc),
    blocks: table(m.blocks, toBlock, blockDoc),
    reports: table(m.reports, toReport, reportDoc),
    group_bans: table(m.group_bans, toBan, banDoc),
    group_post_blocks: table(m.group_post_blocks, toPostBlock, postBlockDoc),
    audit_events: table(m.audit_events, toAudit, auditDoc),
  };

  return {
    async page(name, after, limit) {
      const t = tables[name];
      const filter = after === null ? {} : { _id: { $gt: t.numericId ? Number(after) : after } };
      const docs = await t.model.find(filter).sort({ _id: 1 }).limit(limit).comment(COPY_COMMENT).lean<Doc[]>();
      const last = docs[docs.length - 1];
      return { rows: await t.toRows(docs), next: docs.length < limit || !last ? null : String(last._id) };
    },

    count: (name) => tables[name].model.countDocuments({}).comment(COPY_COMMENT).exec(),

    async upsert(name, rows) {
      if (rows.length === 0) return;
      await tables[name].write(rows.map((r) => normalizeRow(name, r)));
    },
  };
}
