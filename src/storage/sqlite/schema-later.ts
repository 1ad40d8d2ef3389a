// Migrations 2 and after: notifications (issue 14), then safety and data rights (issue 15)
// and what came since. Part of the list in ./migrations.ts; see the rules there. Append new
// migrations at the end of this list.
export const LATER_SCHEMAS = [
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

  /* 8: a group's member mutes in force, soonest end first (GET /api/groups/:id/mutes) */ `
  CREATE INDEX group_post_blocks_until ON group_post_blocks (group_id, until, user_id);
  `,
];
