// How each plain table of the previous release's layout becomes today's rows (one document,
// one row); see the layout in ./legacy-source.ts. `members` is not here: it is built from
// conversations, groups and read_states (./legacy-members.ts).
import mongoose from "mongoose";
import type { CopyTable } from "../copy.ts";
import { byIds, date, dateOrNull, hex, hexOrNull, plain, str, strings, strOrNull, type Db, type Doc } from "./legacy-values.ts";

/** A table read page by page in _id order, and how its documents become rows. */
export interface Plain {
  collection: string;
  /** The cursor (a string) as the _id value to compare with. */
  id: (after: string) => unknown;
  filter?: Doc;
  convert: (docs: Doc[]) => Promise<Doc[]> | Doc[];
}

/** The plain tables; `messageHeads` raises each conversation's head to its newest stored message. */
export function legacyTables(db: Db, messageHeads: () => Promise<Map<string, { seq: number; at: Date | null }>>): Partial<Record<CopyTable, Plain>> {
  const oid = (s: string) => new mongoose.mongo.ObjectId(s);
  const asString = (s: string) => s;
  return {
    users: {
      collection: "users",
      id: oid,
      convert: (docs) =>
        docs.map((d) => ({
          id: hex(d._id),
          phone: str(d.phone),
          username: str(d.username),
          display_name: str(d.display_name),
          password_hash: str(d.password_hash),
          email: strOrNull(d.email),
          mood: strOrNull(d.mood),
          avatar_url: strOrNull(d.avatar_url),
          bubble_color: strOrNull(d.bubble_color),
          partner_id: hexOrNull(d.partner_id),
          suspended_until: null,
          suspension_reason: null,
          created_at: date(d.created_at),
          updated_at: date(d.updated_at ?? d.created_at),
        })),
    },
    sessions: {
      collection: "auth_sessions",
      id: asString,
      convert: (docs) =>
        docs.map((d) => ({
          id: hex(d._id),
          user_id: hex(d.user_id),
          revoked_at: dateOrNull(d.revoked_at),
          revoked_reason: strOrNull(d.revoked_reason),
          expires_at: date(d.expires_at),
          created_at: date(d.created_at),
        })),
    },
    refresh_tokens: {
      collection: "auth_refresh_tokens",
      id: asString,
      // A claimed token without used_at (the old server stopped between its two writes) is
      // still used: the claim kept no time, so the Unix epoch stands for it.
      convert: async (docs) => {
        const claimed = new Set((await byIds(db, "auth_refresh_claims", docs.map((d) => d._id), { _id: 1 })).map((c) => hex(c._id)));
        return docs.map((d) => ({
          id: hex(d._id),
          session_id: hex(d.session_id),
          user_id: hex(d.user_id),
          used_at: dateOrNull(d.used_at) ?? (claimed.has(hex(d._id)) ? new Date(0) : null),
          expires_at: date(d.expires_at),
        }));
      },
    },
    partner_requests: {
      collection: "partner_requests",
      id: oid,
      convert: (docs) =>
        docs.map((d) => ({
          id: hex(d._id),
          sender_id: hex(d.sender_id),
          recipient_id: hex(d.recipient_id),
          status: str(d.status, "pending"),
          created_at: date(d.created_at),
          responded_at: dateOrNull(d.responded_at),
        })),
    },
    conversations: {
      collection: "conversations",
      id: asString,
      convert: async (docs) => {
        const heads = await messageHeads();
        return docs.map((d) => {
          const key = hex(d._id);
          const head = heads.get(key);
          let lastSeq = typeof d.last_seq === "number" ? d.last_seq : 0;
          let lastAt = dateOrNull(d.last_message_at);
          if (head && head.seq > lastSeq) lastSeq = head.seq;
          if (head?.at && (!lastAt || head.at > lastAt)) lastAt = head.at;
          return {
            key,
            type: str(d.type),
            public_id: str(d.public_id, key),
            mode: strOrNull(d.mode),
            last_seq: lastSeq,
            last_message_at: lastAt,
            created_at: date(d.created_at),
          };
        });
      },
    },
    messages: {
      collection: "messages",
      id: oid,
      filter: { seq: { $ne: null } },
      convert: (docs) =>
        docs.map((d) => {
          const reactions: Record<string, { emoji: string; at: Date; username: string }> = {};
          const raw = d.reactions;
          if (raw && typeof raw === "object" && !Array.isArray(raw)) {
            for (const [userId, r] of Object.entries(raw as Record<string, Doc | null>)) {
              if (!r || typeof r !== "object") continue;
              reactions[userId] = { emoji: str(r.emoji), at: date(r.at), username: str(r.username) };
            }
          }
          const edits = Array.isArray(d.edits) ? (d.edits as Doc[]).map((e) => ({ text: str(e.text), edited_at: date(e.edited_at) })) : [];
          return {
            id: hex(d._id),
            conversation_key: str(d.conversation_key),
            seq: d.seq as number,
            client_message_id: str(d.client_message_id),
            sender_id: hex(d.sender_id),
            sender: plain(d.sender),
            text: str(d.text),
            kind: str(d.kind, "text"),
            media: plain(d.media ?? null),
            sticker: plain(d.sticker ?? null),
            reply_to: plain(d.reply_to ?? null),
            edited: d.edited === true,
            last_edited_at: dateOrNull(d.last_edited_at),
            edits,
            deleted: d.deleted === true,
            deleted_at: dateOrNull(d.deleted_at),
            reactions,
            mentions: [], // the previous release had no mentions
            mode: strOrNull(d.mode),
            created_at: date(d.created_at),
          };
        }),
    },
    events: {
      collection: "events",
      id: Number,
      convert: (docs) =>
        docs.map((d) => ({
          seq: d._id as number,
          type: str(d.type),
          ns: str(d.ns),
          conversation_key: strOrNull(d.conversation_key),
          user_ids: strings(d.user_ids),
          payload: (plain(d.payload) ?? {}) as Doc,
          created_at: date(d.created_at),
        })),
    },
    stream: {
      collection: "event_streams",
      id: asString,
      filter: { _id: "main" },
      convert: (docs) =>
        docs.map((d) => ({
          id: "main",
          epoch: str(d.epoch),
          pruned_through: typeof d.pruned_through === "number" ? d.pruned_through : 0,
        })),
    },
    groups: {
      collection: "groups",
      id: asString,
      convert: (docs) =>
        docs.map((d) => ({
          id: hex(d._id),
          name: str(d.name),
          description: str(d.description),
          is_public: d.is_public !== false,
          owner_id: hex(d.owner_id),
          avatar_url: strOrNull(d.avatar_url),
          created_at: date(d.created_at),
          updated_at: date(d.updated_at ?? d.created_at),
        })),
    },
    profiles: {
      collection: "profiles",
      id: asString,
      convert: (docs) =>
        docs.map((d) => ({
          user_id: hex(d._id),
          bio: str(d.bio),
          birthdate: strOrNull(d.birthdate),
          gender: strOrNull(d.gender),
          interests: Array.isArray(d.interests) ? d.interests.map((x) => str(x)) : [],
          looking_for: strOrNull(d.looking_for),
          city: strOrNull(d.city),
          photos: Array.isArray(d.photos) ? d.photos.map((x) => str(x)) : [],
          social_links: Array.isArray(d.social_links) ? (d.social_links as Doc[]).map((l) => ({ platform: str(l.platform), url: str(l.url) })) : [],
          updated_at: date(d.updated_at),
        })),
    },
    sticker_packs: {
      collection: "sticker_packs",
      id: asString,
      convert: (docs) =>
        docs.map((d) => ({
          id: hex(d._id),
          name: str(d.name),
          stickers: Array.isArray(d.stickers)
            ? (d.stickers as Doc[]).map((s) => ({ id: str(s.id), emoji: str(s.emoji), label: str(s.label), url: str(s.url) }))
            : [],
          created_at: date(d.created_at),
        })),
    },
  };
}
