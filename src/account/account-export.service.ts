// Exporting one's data (issue 15): GET /api/users/me/export streams ONE ustar archive
// (tar.ts) with JSON-lines files and the caller's uploaded files. Nothing is held whole:
// each JSON-lines file is written a page at a time to a scratch file (its size must be in
// the tar header before its bytes), then streamed into the response with backpressure and
// removed; uploaded files stream from the disk. Other users appear only as public cards
// (id, username, display_name, avatar_url): never their phone, email, mood or profile.
import { randomUUID } from "node:crypto";
import { once } from "node:events";
import { createReadStream, createWriteStream } from "node:fs";
import { rm, stat } from "node:fs/promises";
import { basename, join } from "node:path";
import type { Writable } from "node:stream";
import type { AuditRepository } from "../audit/audit.repository.ts";
import type { SessionRepository } from "../auth/session.repository.ts";
import type { UserCard } from "../contract/models.ts";
import type { PartnerRequestRepository } from "../couples/partner-request.repository.ts";
import type { GroupRepository } from "../groups/group.repository.ts";
import type { MediaStorage } from "../media/media-storage.ts";
import type { ConversationRepository } from "../messaging/conversation.repository.ts";
import type { SenderRedaction } from "../messaging/deleted-senders.ts";
import type { MessageRecord, MessageRepository } from "../messaging/message.repository.ts";
import type { ProfileRepository } from "../profiles/profile.repository.ts";
import type { BlockRepository } from "../safety/block.repository.ts";
import { AppError, unauthorized } from "../shared/errors.ts";
import type { UserRecord, UserRepository } from "../users/user.repository.ts";
import type { AccountDeletionRepository } from "./account-deletion.repository.ts";
import { TarWriter } from "./tar.ts";

/** A login at most this old may export (the export holds everything: a stolen, long-lived token must not be enough). */
export const EXPORT_RECENT_LOGIN_MS = 15 * 60_000;
const PAGE = 500;

export interface AccountExportDeps {
  users: UserRepository;
  profiles: ProfileRepository;
  sessions: SessionRepository;
  partnerRequests: PartnerRequestRepository;
  conversations: ConversationRepository;
  messages: MessageRepository;
  groups: GroupRepository;
  blocks: BlockRepository;
  audit: AuditRepository;
  uploads: Pick<AccountDeletionRepository, "uploadsOf">;
  media: MediaStorage;
  /** Where scratch files go (the uploads' incoming directory: private to the server). */
  scratchDir: string;
  /** Once per user per hour (rate-limiter.ts). */
  throttle: { consume(key: string): Promise<unknown> };
  /** Others' messages from an account being deleted go out as tombstones (src/messaging/deleted-senders.ts). */
  redaction?: Pick<SenderRedaction, "records">;
  now?: () => number;
}

type Card = Pick<UserCard, "id" | "username" | "display_name" | "avatar_url">;
const card = (u: Pick<UserCard, "id" | "username" | "display_name" | "avatar_url">): Card => ({ id: u.id, username: u.username, display_name: u.display_name, avatar_url: u.avatar_url ?? null });
const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

export function createAccountExport(d: AccountExportDeps) {
  const now = d.now ?? Date.now;

  /** Public cards of these users, looked up in one batch and remembered for the export. */
  function cardBook() {
    const known = new Map<string, Card | null>();
    return async (ids: Iterable<string>): Promise<Map<string, Card | null>> => {
      const missing = [...new Set(ids)].filter((id) => !known.has(id));
      if (missing.length) {
        const found = new Map((await d.users.byIds(missing)).map((u: UserRecord) => [u.id, card(u)]));
        for (const id of missing) known.set(id, found.get(id) ?? null);
      }
      // Bounded: a long export meets many users; the cards are small and re-read when forgotten.
      if (known.size > 50_000) known.clear();
      return known;
    };
  }

  function messageLine(m: MessageRecord, me: string) {
    const reactions = Object.entries(m.reactions ?? {}).map(([user_id, r]) => ({ user_id, username: r.username, emoji: r.emoji, at: iso(r.at) }));
    const reply = m.reply_to as (Record<string, unknown> & { sender?: Card }) | null;
    return {
      conversation: m.conversation_key,
      seq: m.seq,
      id: m.id,
      sender: card(m.sender),
      mine: m.sender_id === me,
      kind: m.kind,
      text: m.text,
      media: m.media,
      sticker: m.sticker,
      reply_to: reply ? { ...reply, ...(reply.sender ? { sender: card(reply.sender) } : {}) } : null,
      edited: m.edited,
      // Earlier versions of one's own messages only.
      ...(m.sender_id === me ? { edits: m.edits.map((e) => ({ text: e.text, edited_at: iso(e.edited_at) })) } : {}),
      deleted: m.deleted,
      mentions: m.mentions,
      reactions,
      my_reaction: m.reactions?.[me]?.emoji ?? null,
      created_at: iso(m.created_at),
    };
  }

  return {
    /** Refused unless the caller's session is a recent login; then counts against once per hour. */
    async authorize(caller: { userId: string; sessionId: string }): Promise<void> {
      const session = await d.sessions.session(caller.sessionId);
      if (!session || session.user_id !== caller.userId) throw unauthorized("The session of this token no longer exists");
      if (now() - session.created_at.getTime() > EXPORT_RECENT_LOGIN_MS) {
        throw new AppError("forbidden", `An export needs a recent login: log in again (within ${EXPORT_RECENT_LOGIN_MS / 60_000} minutes) and retry`, { reason: "login_required" });
      }
      await d.throttle.consume(caller.userId);
    },

    /** Streams the archive into `out`; returns its size. `out` is not ended. */
    async write(userId: string, out: Writable): Promise<{ bytes: number; files: number; messages: number }> {
      const tar = new TarWriter(out);
      const at = new Date(now());
      const cards = cardBook();
      let messageCount = 0;
      let fileCount = 0;

      /** A JSON-lines file produced page by page into a scratch file, then archived. */
      async function jsonl(name: string, produce: (line: (v: unknown) => Promise<void>) => Promise<void>) {
        const path = join(d.scratchDir, `export-${randomUUID()}.jsonl`);
        const ws = createWriteStream(path, { mode: 0o600 });
        try {
          await produce(async (v) => {
            if (!ws.write(JSON.stringify(v) + "\n")) await once(ws, "drain");
          });
          ws.end();
          await once(ws, "finish");
          const { size } = await stat(path);
          await tar.file(name, size, at, createReadStream(path, { highWaterMark: 64 * 1024 }));
        } finally {
          ws.destroy();
          await rm(path, { force: true });
        }
      }

      const user = await d.users.byId(userId);
      if (!user) throw unauthorized("The user of this token no longer exists");
      const profile = await d.profiles.get(userId);
      const partner = user.partner_id ? (await cards([user.partner_id])).get(user.partner_id) : null;
      const account = {
        exported_at: at.toISOString(),
        account: {
          id: user.id, phone: user.phone, username: user.username, display_name: user.display_name, email: user.email, mood: user.mood, avatar_url: user.avatar_url,
          bubble_color: user.bubble_color, partner: partner ?? null, created_at: iso(user.created_at), updated_at: iso(user.updated_at),
          suspended_until: iso(user.suspended_until), suspension_reason: user.suspension_reason,
        },
        profile: profile ? { ...profile, updated_at: iso(profile.updated_at) } : null,
      };
      await tar.file("account.json", Buffer.byteLength(JSON.stringify(account, null, 2)), at, Buffer.from(JSON.stringify(account, null, 2)));

      await jsonl("sessions.jsonl", async (line) => {
        for (const s of await d.sessions.sessionsOf(userId)) {
          await line({ id: s.id, device: s.device, ip: s.ip, created_at: iso(s.created_at), last_used_at: iso(s.last_used_at), expires_at: iso(s.expires_at), revoked_at: iso(s.revoked_at), revoked_reason: s.revoked_reason });
        }
      });

      // Every conversation the user is in (couple chats after a break-up included: read-only history).
      const memberships = [
        ...(await d.conversations.listOf(userId, "couple", 100_000)),
        ...(await d.conversations.listOf(userId, "dm", 100_000)),
        ...(await d.conversations.listOf(userId, "group", 100_000)),
      ];

      await jsonl("partner_history.jsonl", async (line) => {
        if (partner) await line({ type: "current_partner", partner });
        for (const { conversation } of memberships.filter((m) => m.conversation.type === "couple")) {
          const others = (await d.conversations.members(conversation.key)).map((m) => m.user_id).filter((id) => id !== userId);
          const book = await cards(others);
          await line({ type: "couple_chat", chat_id: conversation.public_id, partner: book.get(others[0] ?? "") ?? null, created_at: iso(conversation.created_at), open: others[0] === user.partner_id });
        }
        for (const r of await d.partnerRequests.pendingOf(userId)) {
          const other = r.sender_id === userId ? r.recipient_id : r.sender_id;
          await line({ type: "pending_request", id: r.id, direction: r.sender_id === userId ? "sent" : "received", user: (await cards([other])).get(other) ?? null, created_at: iso(r.created_at) });
        }
      });

      await jsonl("groups.jsonl", async (line) => {
        for (const { conversation, member } of memberships.filter((m) => m.conversation.type === "group")) {
          const g = await d.groups.byId(conversation.public_id);
          if (!g) continue;
          await line({ id: g.id, name: g.name, description: g.description, is_public: g.is_public, owner_id: g.owner_id, avatar_url: g.avatar_url, created_at: iso(g.created_at), my_role: member.role, joined_at: iso(member.joined_at) });
        }
      });

      await jsonl("conversations.jsonl", async (line) => {
        for (const { conversation, member } of memberships) {
          const members = conversation.type === "group" ? null : (await d.conversations.members(conversation.key)).map((m) => m.user_id);
          const book = members ? await cards(members) : null;
          await line({
            key: conversation.key, type: conversation.type, id: conversation.public_id, created_at: iso(conversation.created_at), last_seq: conversation.last_seq,
            members: members && book ? members.map((id) => book.get(id) ?? { id, username: null, display_name: null, avatar_url: null }) : undefined,
            read_seq: member.read_seq, read_at: iso(member.read_at), muted_until: iso(member.muted_until), role: member.role, joined_at: iso(member.joined_at),
          });
        }
      });

      await jsonl("messages.jsonl", async (line) => {
        for (const { conversation } of memberships) {
          let after = 0;
          for (;;) {
            const page = await d.messages.after(conversation.key, after, PAGE);
            for (const m of d.redaction ? await d.redaction.records(page) : page) {
              await line(messageLine(m, userId));
              messageCount++;
            }
            if (page.length < PAGE) break;
            after = page[page.length - 1]!.seq;
          }
        }
      });

      await jsonl("blocks.jsonl", async (line) => {
        const mine = await d.blocks.byBlocker(userId);
        const book = await cards(mine.map((b) => b.blocked_id));
        for (const b of mine) await line({ user: book.get(b.blocked_id) ?? { id: b.blocked_id }, created_at: iso(b.created_at) });
      });

      await jsonl("audit.jsonl", async (line) => {
        let before: { at: Date; id: string } | null = null;
        for (;;) {
          const page = await d.audit.ofUser(userId, before, PAGE);
          for (const e of page) await line({ id: e.id, type: e.type, at: iso(e.at), ip: e.ip, device: e.device, data: e.data });
          if (page.length < PAGE) break;
          const last = page[page.length - 1]!;
          before = { at: last.at, id: last.id };
        }
      });

      // Uploaded files: streamed from the disk under files/; stored elsewhere (Cloudinary), listed by URL.
      const manifest = join(d.scratchDir, `export-${randomUUID()}.jsonl`);
      const mw = createWriteStream(manifest, { mode: 0o600 });
      try {
        let afterId: string | null = null;
        for (;;) {
          const page = await d.uploads.uploadsOf(userId, afterId, 100);
          for (const u of page) {
            const archived: string[] = [];
            for (const url of u.urls) {
              const local = d.media.localPath?.(url);
              if (!local) continue;
              let size: number;
              try {
                size = (await stat(local)).size;
              } catch {
                continue; // gone from the disk: listed, not archived
              }
              const name = `files/${basename(local)}`;
              await tar.file(name, size, u.created_at, createReadStream(local, { highWaterMark: 64 * 1024 }));
              archived.push(name);
              fileCount++;
            }
            if (!mw.write(JSON.stringify({ id: u.id, type: u.type, bytes: u.bytes, created_at: iso(u.created_at), urls: u.urls, archived_as: archived }) + "\n")) await once(mw, "drain");
          }
          if (page.length < 100) break;
          afterId = page[page.length - 1]!.id;
        }
        mw.end();
        await once(mw, "finish");
        await tar.file("files.jsonl", (await stat(manifest)).size, at, createReadStream(manifest));
      } finally {
        mw.destroy();
        await rm(manifest, { force: true });
      }
      await tar.end();
      return { bytes: tar.bytes, files: fileCount, messages: messageCount };
    },
  };
}

export type AccountExport = ReturnType<typeof createAccountExport>;
