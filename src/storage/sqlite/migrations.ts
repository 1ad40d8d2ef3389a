// The schema, as an ordered list of migrations. Migration i (0-based) brings a database
// from `PRAGMA user_version` i to i + 1, in one transaction together with the version
// bump, so a crash leaves the database at one version or the next, never in between.
// Append new migrations at the end; never edit one that has shipped.
//
// Dates are INTEGER milliseconds, booleans 0/1, nested values (cards, media, lists) JSON
// text. No foreign keys: the MongoDB implementation has none, so both answer the same
// contract, and `db:copy` writes tables one at a time in any order. STRICT tables make a
// wrongly typed value fail at the write instead of being stored as something else.
import type { SqliteDb } from "./database.ts";

export const MIGRATIONS: readonly string[] = [
  /* 1: the first schema */ `
  CREATE TABLE users (
    id TEXT PRIMARY KEY,
    phone TEXT NOT NULL UNIQUE,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    email TEXT,
    mood TEXT,
    avatar_url TEXT,
    bubble_color TEXT,
    partner_id TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  ) STRICT;

  CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    revoked_at INTEGER,
    revoked_reason TEXT,
    expires_at INTEGER NOT NULL,
    created_at INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX sessions_user ON sessions (user_id, created_at);
  CREATE INDEX sessions_expiry ON sessions (expires_at);

  CREATE TABLE refresh_tokens (
    id TEXT PRIMARY KEY,
    session_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    used_at INTEGER,
    expires_at INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX refresh_tokens_session ON refresh_tokens (session_id);
  CREATE INDEX refresh_tokens_expiry ON refresh_tokens (expires_at);

  CREATE TABLE partner_requests (
    id TEXT PRIMARY KEY,
    sender_id TEXT NOT NULL,
    recipient_id TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    responded_at INTEGER
  ) STRICT;
  CREATE INDEX partner_requests_sender ON partner_requests (sender_id, status, created_at);
  CREATE INDEX partner_requests_recipient ON partner_requests (recipient_id, status, created_at);

  CREATE TABLE conversations (
    key TEXT PRIMARY KEY,
    type TEXT NOT NULL,
    public_id TEXT NOT NULL,
    mode TEXT,
    last_seq INTEGER NOT NULL DEFAULT 0,
    last_message_at INTEGER,
    created_at INTEGER NOT NULL
  ) STRICT;

  -- One row per (conversation, member): a join, a leave or a read touches one row.
  CREATE TABLE members (
    conversation_key TEXT NOT NULL,
    user_id TEXT NOT NULL,
    role TEXT NOT NULL,
    joined_at INTEGER NOT NULL,
    read_seq INTEGER NOT NULL DEFAULT 0,
    read_at INTEGER,
    PRIMARY KEY (conversation_key, user_id)
  ) STRICT, WITHOUT ROWID;
  CREATE INDEX members_user ON members (user_id, conversation_key);

  CREATE TABLE messages (
    id TEXT NOT NULL UNIQUE,
    conversation_key TEXT NOT NULL,
    seq INTEGER NOT NULL,
    client_message_id TEXT NOT NULL,
    sender_id TEXT NOT NULL,
    sender TEXT NOT NULL,
    text TEXT NOT NULL,
    kind TEXT NOT NULL,
    media TEXT,
    sticker TEXT,
    reply_to TEXT,
    edited INTEGER NOT NULL DEFAULT 0,
    last_edited_at INTEGER,
    edits TEXT NOT NULL DEFAULT '[]',
    deleted INTEGER NOT NULL DEFAULT 0,
    deleted_at INTEGER,
    mode TEXT,
    created_at INTEGER NOT NULL,
    UNIQUE (conversation_key, seq),
    -- Idempotent sends: one message per (sender, client_message_id).
    UNIQUE (sender_id, client_message_id)
  ) STRICT;
  CREATE INDEX messages_time ON messages (conversation_key, created_at, seq);

  -- A reaction is its own row, so toggling one never rewrites the message.
  CREATE TABLE reactions (
    message_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    emoji TEXT NOT NULL,
    at INTEGER NOT NULL,
    username TEXT NOT NULL,
    PRIMARY KEY (message_id, user_id)
  ) STRICT, WITHOUT ROWID;

  -- seq is the rowid: appending is a b-tree append, reading after N a range of it.
  CREATE TABLE events (
    seq INTEGER PRIMARY KEY,
    type TEXT NOT NULL,
    ns TEXT NOT NULL,
    conversation_key TEXT,
    user_ids TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_at INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX events_conversation ON events (conversation_key, seq);
  CREATE INDEX events_time ON events (created_at);
  -- Who an event is addressed to by id, so a user's events are an index range.
  CREATE TABLE event_users (
    user_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    PRIMARY KEY (user_id, seq)
  ) STRICT, WITHOUT ROWID;
  -- The single row 'main'.
  CREATE TABLE stream (
    id TEXT PRIMARY KEY,
    epoch TEXT NOT NULL,
    pruned_through INTEGER NOT NULL DEFAULT 0
  ) STRICT;

  CREATE TABLE "groups" (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    is_public INTEGER NOT NULL,
    owner_id TEXT NOT NULL,
    avatar_url TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX groups_public ON "groups" (is_public, updated_at, id);

  CREATE TABLE profiles (
    user_id TEXT PRIMARY KEY,
    bio TEXT NOT NULL,
    birthdate TEXT,
    gender TEXT,
    interests TEXT NOT NULL,
    looking_for TEXT,
    city TEXT,
    photos TEXT NOT NULL,
    social_links TEXT NOT NULL,
    updated_at INTEGER NOT NULL
  ) STRICT;

  CREATE TABLE sticker_packs (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    stickers TEXT NOT NULL,
    created_at INTEGER NOT NULL
  ) STRICT;

  CREATE TABLE uploads (
    id TEXT PRIMARY KEY,
    owner_id TEXT NOT NULL,
    type TEXT NOT NULL,
    urls TEXT NOT NULL,
    bytes INTEGER NOT NULL,
    created_at INTEGER NOT NULL
  ) STRICT;
  -- Each URL an upload is served under, for byUrl.
  CREATE TABLE upload_urls (
    url TEXT PRIMARY KEY,
    upload_id TEXT NOT NULL
  ) STRICT, WITHOUT ROWID;
  `,

  /* 2: notifications (issue 14): mute, mentions, push subscriptions */ `
  -- Until when the member muted the conversation (ms); NULL: not muted. "For good" is a far date.
  ALTER TABLE members ADD COLUMN muted_until INTEGER;

  -- The members a message mentions (user ids, JSON), as the message shows them; and one row
  -- per mention, so "am I mentioned above my read position" is an index range.
  ALTER TABLE messages ADD COLUMN mentions TEXT NOT NULL DEFAULT '[]';
  CREATE TABLE mentions (
    user_id TEXT NOT NULL,
    conversation_key TEXT NOT NULL,
    seq INTEGER NOT NULL,
    PRIMARY KEY (user_id, conversation_key, seq)
  ) STRICT, WITHOUT ROWID;

  -- A device that takes pushes, bound to the session that registered it: ending the
  -- session removes it. One row per endpoint (Web Push) or device token (FCM): the same
  -- device registering again, under another session or user, takes the row over.
  CREATE TABLE push_subscriptions (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    session_id TEXT NOT NULL,
    type TEXT NOT NULL,
    address TEXT NOT NULL,
    keys TEXT,
    platform TEXT,
    created_at INTEGER NOT NULL
  ) STRICT;
  CREATE UNIQUE INDEX push_subscriptions_address ON push_subscriptions (type, address);
  CREATE INDEX push_subscriptions_user ON push_subscriptions (user_id, created_at, id);
  CREATE INDEX push_subscriptions_session ON push_subscriptions (session_id);
  `,

  /* 3: unread counts that do not read every unread message (issue 14) */ `
  -- Seqs are gap-free, so a member's unread count is (newest seq - read_seq) minus their own
  -- messages above read_seq minus the others' deleted ones there: two small index ranges
  -- instead of a walk over every unread message (a member who never reads a busy group
  -- would otherwise cost a walk of its whole history on every count).
  CREATE INDEX messages_sender ON messages (conversation_key, sender_id, seq);
  CREATE INDEX messages_deleted ON messages (conversation_key, seq, sender_id) WHERE deleted = 1;
  `,

  /* 4: sessions you can see, password change, audit (issue 15) */ `
  -- What a user sees of their logins: the device (a short label made from the User-Agent,
  -- never the raw header) and the address at login or at the latest refresh, and when the
  -- session was last used (written at most every few minutes, not per request). A session
  -- from before was last used, as far as anyone knows, when it was created.
  ALTER TABLE sessions ADD COLUMN device TEXT;
  ALTER TABLE sessions ADD COLUMN ip TEXT;
  ALTER TABLE sessions ADD COLUMN last_used_at INTEGER;
  UPDATE sessions SET last_used_at = created_at;

  -- A user's security events (logins, password changes, ended sessions, moderation), read
  -- newest first a page at a time and pruned by age (AUDIT_RETENTION_DAYS). data: JSON.
  CREATE TABLE audit_events (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    type TEXT NOT NULL,
    at INTEGER NOT NULL,
    ip TEXT,
    device TEXT,
    data TEXT NOT NULL
  ) STRICT;
  CREATE INDEX audit_events_user ON audit_events (user_id, at, id);
  CREATE INDEX audit_events_time ON audit_events (at);
  `,

  /* 5: blocks and break-ups (issue 15) */ `
  -- Who blocked whom: one row per pair (blocking twice keeps the first). The primary key
  -- answers "whom did X block", blocks_blocked "who blocked X": the block cache reads both.
  -- A break-up needs no table: it clears users.partner_id, and a couple chat whose two
  -- members are not each other's partner is closed (read-only history).
  CREATE TABLE blocks (
    blocker_id TEXT NOT NULL,
    blocked_id TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (blocker_id, blocked_id)
  ) STRICT, WITHOUT ROWID;
  CREATE INDEX blocks_blocked ON blocks (blocked_id, blocker_id);
  `,

  /* 6: reports, group moderation, suspensions (issue 15) */ `
  -- An operator's suspension of an account (ADMIN_USER_IDS): until when (ms; "indefinitely"
  -- is a far date, as a mute "for good" is) and why. NULL: not suspended.
  ALTER TABLE users ADD COLUMN suspended_until INTEGER;
  ALTER TABLE users ADD COLUMN suspension_reason TEXT;

  -- A report of a message or a user. target_key names the target ("message:<id>" or
  -- "user:<id>"): one open report per reporter and target (a repeat updates it), any number
  -- of resolved ones. snapshot (JSON) keeps the message as it was when reported: it may be
  -- deleted later. Listed newest first (ids start with their second) over all reports, by
  -- status, and by conversation (a group's managers see their group's).
  CREATE TABLE reports (
    id TEXT PRIMARY KEY,
    reporter_id TEXT NOT NULL,
    target_type TEXT NOT NULL,
    target_key TEXT NOT NULL,
    target_user_id TEXT NOT NULL,
    conversation_key TEXT,
    message_id TEXT,
    reason TEXT NOT NULL,
    note TEXT,
    snapshot TEXT,
    status TEXT NOT NULL,
    resolved_action TEXT,
    resolved_note TEXT,
    resolved_by TEXT,
    resolved_at INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  ) STRICT;
  CREATE UNIQUE INDEX reports_open ON reports (reporter_id, target_key) WHERE status = 'open';
  CREATE INDEX reports_status ON reports (status, id);
  CREATE INDEX reports_conversation ON reports (conversation_key, id);
  CREATE INDEX reports_conversation_status ON reports (conversation_key, status, id);

  -- Who may not be in a group (removed, and refused at join and add until unbanned). Kept
  -- apart from members: a ban outlives the membership it ended.
  CREATE TABLE group_bans (
    group_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    banned_by TEXT NOT NULL,
    reason TEXT,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (group_id, user_id)
  ) STRICT, WITHOUT ROWID;
  CREATE INDEX group_bans_time ON group_bans (group_id, created_at, user_id);

  -- A group member's managers stopped them posting until a time (ms). Not members.muted_until
  -- (a member muting the conversation's notifications for themselves), and not on the member
  -- row either: leaving and joining again must not lift it.
  CREATE TABLE group_post_blocks (
    group_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    until INTEGER NOT NULL,
    blocked_by TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (group_id, user_id)
  ) STRICT, WITHOUT ROWID;
  `,

  /* 7: account deletion (issue 15) */ `
  -- A deletion in progress (src/account): recorded before anything is removed, with the next
  -- step and where a paged step stands, so a server killed midway finishes it at its next
  -- start. Kept once finished (finished_at) as the record that the account was deleted.
  CREATE TABLE account_deletions (
    user_id TEXT PRIMARY KEY,
    step TEXT NOT NULL,
    cursor TEXT,
    started_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    finished_at INTEGER
  ) STRICT;
  CREATE INDEX account_deletions_unfinished ON account_deletions (started_at) WHERE finished_at IS NULL;

  -- A user's own messages, a page at a time by id (deletion and export); their reactions and
  -- uploads (deletion).
  CREATE INDEX messages_sender_id ON messages (sender_id, id);
  CREATE INDEX reactions_user ON reactions (user_id);
  CREATE INDEX uploads_owner ON uploads (owner_id, id);
  `,
];

export function schemaVersion(db: SqliteDb): number {
  return Number(db.raw.prepare("PRAGMA user_version").get()?.user_version ?? 0);
}

/**
 * Brings the database to the newest schema. A database written by a newer server is
 * refused: this server would not know what its newer tables mean.
 */
export function migrate(db: SqliteDb): void {
  const current = schemaVersion(db);
  if (current > MIGRATIONS.length) {
    throw new Error(`${db.path} was written by a newer server (schema ${current}, this server knows ${MIGRATIONS.length}); upgrade the server`);
  }
  for (let v = current; v < MIGRATIONS.length; v++) {
    db.tx(() => {
      db.raw.exec(MIGRATIONS[v]!);
      // PRAGMA takes no parameters; v is our own integer.
      db.raw.exec(`PRAGMA user_version = ${v + 1}`);
    });
  }
}
