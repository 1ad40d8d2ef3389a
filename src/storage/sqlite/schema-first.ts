// Migration 1: the first schema (users, sessions, conversations, members, messages,
// reactions, events, uploads...). Part of the list in ./migrations.ts; see the rules there.
export const FIRST_SCHEMA = [
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

];
