// Every collection's document shape and indexes, in one place: the query-shape test
// (test/storage/mongo-query-shapes.test.ts) checks each query the repositories issue
// against the indexes declared here. Ids are strings everywhere (24-hex ids made by the
// caller, or natural keys), never ObjectIds. No TTL indexes: expiry is pruned by the
// server, so FerretDB and MongoDB behave the same.
import { Schema, type Connection, type Model, type mongo } from "mongoose";
import { pushSubscriptionSchema, type PushSubscriptionDoc } from "./push-subscriptions.ts";
import { accountDeletionSchema, type AccountDeletionDoc } from "./account-deletion-schema.ts";
import { blockSchema, type BlockDoc } from "./blocks.ts";
import { auditEventSchema, type AuditDoc } from "./audit-schema.ts";
import { moderationSchemas, type GroupBanDoc, type PostBlockDoc, type ReportDoc } from "./moderation-schemas.ts";
import { messagingSchemas, type ConversationDoc, type EventDoc, type GroupDoc, type MemberDoc, type MessageDoc, type ReactionDoc, type StreamDoc } from "./messaging-schemas.ts";

export type { ConversationDoc, EventDoc, GroupDoc, MemberDoc, MessageDoc, ReactionDoc, StreamDoc };

const opts = { versionKey: false, minimize: false } as const;
const req = (type: unknown) => ({ type, required: true });
const nullable = (type: unknown) => ({ type, default: null });

export interface UserDoc {
  _id: string;
  phone: string;
  username: string;
  display_name: string;
  password_hash: string;
  email: string | null;
  mood: string | null;
  avatar_url: string | null;
  bubble_color: string | null;
  partner_id: string | null;
  created_at: Date;
  updated_at: Date;
  // Issue 15 (suspension): missing on documents written before; read as null.
  suspended_until?: Date | null;
  suspension_reason?: string | null;
}
const users = new Schema(
  {
    _id: req(String),
    phone: { type: String, required: true, unique: true },
    username: { type: String, required: true, unique: true },
    display_name: req(String),
    password_hash: req(String),
    email: nullable(String),
    mood: nullable(String),
    avatar_url: nullable(String),
    bubble_color: nullable(String),
    partner_id: nullable(String),
    created_at: req(Date),
    updated_at: req(Date),
    suspended_until: nullable(Date),
    suspension_reason: nullable(String),
  },
  opts,
);

export interface SessionDoc {
  _id: string;
  user_id: string;
  revoked_at: Date | null;
  revoked_reason: string | null;
  expires_at: Date;
  created_at: Date;
  // Issue 15 (sessions you can see): missing on documents written before; read as null / created_at.
  device?: string | null;
  ip?: string | null;
  last_used_at?: Date;
}
const sessions = new Schema(
  {
    _id: req(String),
    user_id: req(String),
    revoked_at: nullable(Date),
    revoked_reason: nullable(String),
    expires_at: req(Date),
    created_at: req(Date),
    device: nullable(String),
    ip: nullable(String),
    last_used_at: { type: Date },
  },
  opts,
);
sessions.index({ user_id: 1, created_at: -1, _id: -1 });
sessions.index({ expires_at: 1 });

/** A refresh token; whether it was used is its claim (auth_refresh_claims), not a field. */
export interface RefreshTokenDoc {
  _id: string;
  session_id: string;
  user_id: string;
  expires_at: Date;
}
const refreshTokens = new Schema({ _id: req(String), session_id: req(String), user_id: req(String), expires_at: req(Date) }, opts);
refreshTokens.index({ expires_at: 1 });

/** The single-use claim of a refresh token: inserting it under the jti is the claim. */
export interface RefreshClaimDoc {
  _id: string;
  at: Date;
  expires_at: Date;
}
const refreshClaims = new Schema({ _id: req(String), at: req(Date), expires_at: req(Date) }, opts);
refreshClaims.index({ expires_at: 1 });

/**
 * "Only the first caller" decisions other than refresh tokens (claims.ts): a session's
 * revocation, a partner request leaving a state, a user's partner link. An insert under a
 * unique _id is the only write FerretDB v1 makes atomically.
 */
export interface ClaimDoc {
  _id: string;
  value: string;
  /** The time the caller gave (a revocation's or a response's time). */
  at: Date;
  /** When it was inserted, by this server's clock (claims.ts: SETTLE_MS). */
  taken_at: Date;
  /** When the claim may be pruned; null: kept while the thing it guards exists. */
  expires_at: Date | null;
}
const claims = new Schema({ _id: req(String), value: req(String), at: req(Date), taken_at: req(Date), expires_at: nullable(Date) }, opts);
claims.index({ expires_at: 1 });

export interface PartnerRequestDoc {
  _id: string;
  sender_id: string;
  recipient_id: string;
  status: string;
  created_at: Date;
  responded_at: Date | null;
}
const partnerRequests = new Schema(
  { _id: req(String), sender_id: req(String), recipient_id: req(String), status: req(String), created_at: req(Date), responded_at: nullable(Date) },
  opts,
);
// Pending ones between two users (all three keys), sent by a user (the first two).
partnerRequests.index({ sender_id: 1, status: 1, recipient_id: 1 });
partnerRequests.index({ recipient_id: 1, status: 1 });

export interface ProfileDoc {
  _id: string;
  bio: string;
  birthdate: string | null;
  gender: string | null;
  interests: string[];
  looking_for: string | null;
  city: string | null;
  photos: string[];
  social_links: { platform: string; url: string }[];
  updated_at: Date;
}
const profiles = new Schema(
  {
    _id: req(String),
    bio: { type: String, default: "" },
    birthdate: nullable(String),
    gender: nullable(String),
    interests: { type: [String], default: [] },
    looking_for: nullable(String),
    city: nullable(String),
    photos: { type: [String], default: [] },
    social_links: { type: [{ _id: false, platform: String, url: String }], default: [] },
    updated_at: req(Date),
  },
  opts,
);

export interface StickerPackDoc {
  _id: string;
  name: string;
  stickers: { id: string; emoji: string; label: string; url: string }[];
  created_at: Date;
}
const stickerPacks = new Schema(
  { _id: req(String), name: req(String), stickers: { type: [{ _id: false, id: String, emoji: String, label: String, url: String }], default: [] }, created_at: req(Date) },
  opts,
);

export interface UploadDoc {
  _id: string;
  owner_id: string;
  type: string;
  urls: string[];
  bytes: number;
  created_at: Date;
}
const uploads = new Schema({ _id: req(String), owner_id: req(String), type: req(String), urls: { type: [String], default: [] }, bytes: req(Number), created_at: req(Date) }, opts);
uploads.index({ urls: 1 });
uploads.index({ owner_id: 1, _id: 1 }); // a user's uploads, a page at a time (account deletion and export)

/** Collection name → schema: what openMongoStorage registers and the shape test reads. */
export const SCHEMAS = {
  users,
  auth_sessions: sessions,
  auth_refresh_tokens: refreshTokens,
  auth_refresh_claims: refreshClaims,
  claims,
  partner_requests: partnerRequests,
  profiles,
  sticker_packs: stickerPacks,
  uploads,
  push_subscriptions: pushSubscriptionSchema,
  ...moderationSchemas,
  blocks: blockSchema,
  audit_events: auditEventSchema,
  account_deletions: accountDeletionSchema,
  ...messagingSchemas,
} as const;

export interface Models {
  users: Model<UserDoc>;
  auth_sessions: Model<SessionDoc>;
  auth_refresh_tokens: Model<RefreshTokenDoc>;
  auth_refresh_claims: Model<RefreshClaimDoc>;
  claims: Model<ClaimDoc>;
  partner_requests: Model<PartnerRequestDoc>;
  profiles: Model<ProfileDoc>;
  sticker_packs: Model<StickerPackDoc>;
  uploads: Model<UploadDoc>;
  push_subscriptions: Model<PushSubscriptionDoc>;
  reports: Model<ReportDoc>;
  group_bans: Model<GroupBanDoc>;
  group_post_blocks: Model<PostBlockDoc>;
  blocks: Model<BlockDoc>;
  audit_events: Model<AuditDoc>;
  account_deletions: Model<AccountDeletionDoc>;
  conversations: Model<ConversationDoc>;
  conversation_members: Model<MemberDoc>;
  messages: Model<MessageDoc>;
  message_reactions: Model<ReactionDoc>;
  events: Model<EventDoc>;
  event_streams: Model<StreamDoc>;
  groups: Model<GroupDoc>;
}

/** The driver's collection behind a model, typed by its documents (inserts skip mongoose's document building). */
export const raw = <T extends object>(model: Model<T>) => model.collection as unknown as mongo.Collection<T>;

/** The models on this connection, one per collection, named after the collection. */
export function defineModels(conn: Connection): Models {
  const out: Record<string, unknown> = {};
  for (const [name, schema] of Object.entries(SCHEMAS)) out[name] = conn.model(name, schema, name);
  return out as unknown as Models;
}

export type IndexKeys = [field: string, direction: 1 | -1][];

/** Every collection's indexes as declared by its schema, `_id` included. */
export function declaredIndexes(): Map<string, IndexKeys[]> {
  const out = new Map<string, IndexKeys[]>();
  for (const [name, schema] of Object.entries(SCHEMAS)) {
    const list: IndexKeys[] = [[["_id", 1]]];
    for (const [fields] of schema.indexes()) list.push(Object.entries(fields).map(([f, d]) => [f, d === -1 ? -1 : 1]));
    out.set(name, list);
  }
  return out;
}
