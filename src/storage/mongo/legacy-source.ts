// A CopySource over a database in the layout of the release before the storage
// repositories (everything through mongoose models, on the embedded FerretDB or on
// MongoDB), so `npm run db:copy -- --from legacy+mongodb://…` moves an old deployment into
// either of today's implementations. Read-only: it never writes to the old database.
//
// The old layout, as its models stored it (this file is the only record of it once the
// models are gone):
//   users                 _id ObjectId, phone, username, display_name, password_hash, email, mood,
//                         avatar_url, bubble_color, partner_id ObjectId|null, created_at, updated_at
//   auth_sessions         _id string (sid), user_id ObjectId, revoked_at, revoked_reason, expires_at, created_at
//   auth_refresh_tokens   _id string (jti), session_id, user_id ObjectId, used_at, expires_at
//   auth_refresh_claims   _id string (jti), expires_at: present = the token was claimed (used)
//   partner_requests      _id ObjectId, sender_id, recipient_id (strings), status, created_at, responded_at
//   conversations         _id string key, type, public_id, member_ids string[], last_seq, mode,
//                         last_message_at, created_at (last_seq/last_message_at could trail the
//                         messages: they were written after them, and FerretDB v1 could lose an $inc)
//   read_states           _id "<key>#<user id>", conversation_key, user_id, seq, at
//   messages              _id ObjectId, conversation_key, seq number|null (null: never stored),
//                         client_message_id, sender_id, sender, text, kind, media, sticker,
//                         reply_to, edited, last_edited_at, edits[], deleted, deleted_at,
//                         reactions {<user id>: {emoji, at, username}}, mode, created_at
//   events                _id number (the stream position), type, ns, conversation_key, user_ids,
//                         payload (a sub-document), writer, created_at
//   event_streams         _id "main", epoch, last_seq, pruned_through, created_at
//   groups                _id string (public id), name, description, is_public, owner_id,
//                         avatar_url, members [{user_id, role, joined_at}], created_at, updated_at
//   profiles              _id string (user id), bio, birthdate, gender, interests, looking_for,
//                         city, photos, social_links, updated_at
//   sticker_packs         _id string, name, stickers [{id, emoji, label, url}], created_at
// There was no uploads collection: `uploads` is empty.
//
// Conversion to the neutral records (src/storage/copy.ts): ObjectIds become 24-hex
// strings (also inside sub-documents); conversations lose member_ids, and each conversation
// gives one `members` row per member: for a group, its group document's members (role and
// joined_at from there; a group conversation whose group is gone falls back to member_ids),
// for a couple or DM, member_ids with role "member" and the conversation's created_at as
// joined_at; read_seq/read_at come from read_states (0/null without one). A conversation's
// last_seq/last_message_at are raised to its newest stored message (one pass over the
// messages, at the first page of conversations). Messages with a null seq are left out.
// Events keep their payload as it is.
import mongoose from "mongoose";
import type { CopyPage, CopySource, CopyTable } from "../copy.ts";

type Doc = Record<string, unknown>;
type Db = mongoose.mongo.Db;

export interface LegacySource extends CopySource {
  close(): Promise<void>;
}

/** The prefix of a --from argument that selects this source. */
export const LEGACY_PREFIX = "legacy+";

/** Connects to a database in the old layout (uri: mongodb://…/<db>, db "chat" when the path is empty). */
export async function openLegacySource(opts: { uri: string }): Promise<LegacySource> {
  const uri = opts.uri.startsWith(LEGACY_PREFIX) ? opts.uri.slice(LEGACY_PREFIX.length) : opts.uri;
  const dbName = new URL(uri).pathname.replace(/^\//, "") || "chat";
  const conn = mongoose.createConnection(uri, { dbName, serverSelectionTimeoutMS: 10_000, bufferCommands: false, autoIndex: false });
  await conn.asPromise();
  const source = legacySource(conn.db!);
  return {
    page: source.page,
    count: source.count,
    async close() {
      await source.close();
      await conn.close();
    },
  };
}

/**
 * Why the database at `uri` looks like the previous release's layout (read_states, a
 * conversation with member_ids, a group with a members array), or null. db:copy asks it of a
 * plain mongodb:// argument, whose reader or writer would otherwise misread or mix layouts.
 */
export async function detectLegacyLayout(uri: string): Promise<string | null> {
  const dbName = new URL(uri).pathname.replace(/^\//, "") || "chat";
  const conn = mongoose.createConnection(uri, { dbName, serverSelectionTimeoutMS: 10_000, bufferCommands: false, autoIndex: false });
  try {
    await conn.asPromise();
    const db = conn.db!;
    if ((await db.listCollections({ name: "read_states" }, { nameOnly: true }).toArray()).length > 0) return "it has a read_states collection";
    if (await db.collection("conversations").findOne({ member_ids: { $exists: true } }, { projection: { _id: 1 } })) return "its conversations have member_ids";
    if (await db.collection("groups").findOne({ members: { $exists: true } }, { projection: { _id: 1 } })) return "its groups have a members array";
    return null;
  } finally {
    await conn.close();
  }
}

function isObjectId(v: unknown): v is { toHexString(): string } {
  return typeof v === "object" && v !== null && (v as { _bsontype?: string })._bsontype === "ObjectId";
}

/** An id as the new layout keeps it: ObjectIds as 24 hex digits, anything else as a string. */
function hex(v: unknown): string {
  if (isObjectId(v)) return v.toHexString();
  return String(v);
}

function hexOrNull(v: unknown): string | null {
  return v === null || v === undefined ? null : hex(v);
}

/** A free-form sub-document with its ObjectIds as strings (dates and everything else kept). */
function plain(v: unknown): unknown {
  if (isObjectId(v)) return v.toHexString();
  if (Array.isArray(v)) return v.map(plain);
  if (v instanceof Date || v === null || typeof v !== "object") return v;
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
}

function date(v: unknown): Date {
  return v instanceof Date ? v : new Date(v as string | number);
}
function dateOrNull(v: unknown): Date | null {
  return v === null || v === undefined ? null : date(v);
}
function str(v: unknown, fallback = ""): string {
  return typeof v === "string" ? v : v === null || v === undefined ? fallback : String(v);
}
function strOrNull(v: unknown): string | null {
  return v === null || v === undefined ? null : String(v);
}
function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.map(hex) : [];
}
function role(v: unknown): "owner" | "admin" | "member" {
  return v === "owner" || v === "admin" ? v : "member";
}

const IN_CHUNK = 1000;

async function byIds(db: Db, collection: string, ids: readonly unknown[], projection?: Doc): Promise<Doc[]> {
  const out: Doc[] = [];
  for (let i = 0; i < ids.length; i += IN_CHUNK) {
    const chunk = ids.slice(i, i + IN_CHUNK);
    out.push(...((await db.collection(collection).find({ _id: { $in: chunk } } as Doc, projection ? { projection } : {}).toArray()) as Doc[]));
  }
  return out;
}

interface Plain {
  collection: string;
  /** The cursor (a string) as the _id value to compare with. */
  id: (after: string) => unknown;
  filter?: Doc;
  convert: (docs: Doc[]) => Promise<Doc[]> | Doc[];
}

export function legacySource(db: Db): CopySource & { close(): Promise<void> } {
  const oid = (s: string) => new mongoose.mongo.ObjectId(s);
  const asString = (s: string) => s;

  const tables: Partial<Record<CopyTable, Plain>> = {
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

  // The newest stored message of every conversation (highest seq, latest created_at), read
  // once, in one pass over the messages: a query per conversation would be a whole scan each
  // on FerretDB v1 (no index for a sort), and it implements no $max accumulator.
  let heads: Promise<Map<string, { seq: number; at: Date | null }>> | undefined;
  function messageHeads() {
    heads ??= (async () => {
      const out = new Map<string, { seq: number; at: Date | null }>();
      const cursor = db.collection("messages").find({ seq: { $gt: 0 } }, { projection: { _id: 0, conversation_key: 1, seq: 1, created_at: 1 }, batchSize: 5000 });
      for await (const m of cursor as AsyncIterable<Doc>) {
        if (typeof m.seq !== "number") continue;
        const key = str(m.conversation_key);
        const at = dateOrNull(m.created_at);
        const head = out.get(key);
        if (!head) out.set(key, { seq: m.seq, at });
        else {
          if (m.seq > head.seq) head.seq = m.seq;
          if (at && (!head.at || at > head.at)) head.at = at;
        }
      }
      return out;
    })();
    heads.catch(() => (heads = undefined)); // a failed read is tried again by the next page
    return heads;
  }

  // One query per table, read page after page: the next page continues the open cursor
  // when asked for what follows the last page it gave. A page query of its own (`_id > after`,
  // sorted, limited) would cost a scan and sort of the whole collection each on FerretDB v1,
  // which uses no index for them: quadratic in the collection's size. A new query starts
  // only at the first page, on a resume, or when the open cursor failed (e.g. timed out).
  const open = new Map<string, { after: string | null; cursor: mongoose.mongo.FindCursor<Doc> }>();

  async function closeCursor(collection: string) {
    const live = open.get(collection);
    open.delete(collection);
    await live?.cursor.close().catch(() => {});
  }

  async function plainPage(t: Plain, after: string | null, limit: number, retried = false): Promise<CopyPage> {
    let live = open.get(t.collection);
    if (!live || live.after !== after) {
      await closeCursor(t.collection);
      const filter: Doc = { ...t.filter };
      if (after !== null) filter._id = { ...(filter._id !== undefined ? { $eq: filter._id } : {}), $gt: t.id(after) };
      live = { after, cursor: db.collection(t.collection).find(filter).sort({ _id: 1 }).batchSize(Math.min(limit, 5000)) as mongoose.mongo.FindCursor<Doc> };
      open.set(t.collection, live);
    }
    const docs: Doc[] = [];
    try {
      while (docs.length < limit) {
        const doc = await live.cursor.next();
        if (!doc) break;
        docs.push(doc);
      }
    } catch (err) {
      await closeCursor(t.collection);
      if (retried) throw err;
      return plainPage(t, after, limit, true);
    }
    const rows = await t.convert(docs);
    const next = docs.length < limit ? null : cursorOf(docs[docs.length - 1]!._id);
    if (next === null) await closeCursor(t.collection);
    else live.after = next;
    return { rows, next };
  }

  function cursorOf(id: unknown): string {
    return typeof id === "number" ? String(id) : hex(id);
  }

  // members: conversations in key order, each one's members in user id order; the cursor is
  // "<conversation key>#<user id>" of the last row (keys never contain '#', user ids are hex).
  const CONVERSATIONS_PER_READ = 100;

  async function membersOf(convs: Doc[]): Promise<Doc[][]> {
    const groupIds = convs.filter((c) => c.type === "group").map((c) => str(c.public_id, hex(c._id).replace(/^group:/, "")));
    const groups = new Map((await byIds(db, "groups", groupIds, { members: 1 })).map((g) => [hex(g._id), g]));
    const lists = convs.map((c) => {
      const key = hex(c._id);
      const group = c.type === "group" ? groups.get(str(c.public_id, key.replace(/^group:/, ""))) : undefined;
      const seen = new Set<string>();
      const list: { user_id: string; role: "owner" | "admin" | "member"; joined_at: Date }[] = [];
      if (group && Array.isArray(group.members)) {
        for (const m of group.members as Doc[]) {
          const user = hex(m.user_id);
          if (seen.has(user)) continue;
          seen.add(user);
          list.push({ user_id: user, role: role(m.role), joined_at: date(m.joined_at ?? c.created_at) });
        }
      } else {
        for (const user of strings(c.member_ids)) {
          if (seen.has(user)) continue;
          seen.add(user);
          list.push({ user_id: user, role: "member", joined_at: date(c.created_at) });
        }
      }
      list.sort((a, b) => (a.user_id < b.user_id ? -1 : a.user_id > b.user_id ? 1 : 0));
      return { key, list };
    });
    const stateIds = lists.flatMap(({ key, list }) => list.map((m) => `${key}#${m.user_id}`));
    const states = new Map((await byIds(db, "read_states", stateIds)).map((s) => [hex(s._id), s]));
    return lists.map(({ key, list }) =>
      list.map((m) => {
        const s = states.get(`${key}#${m.user_id}`);
        return {
          conversation_key: key,
          user_id: m.user_id,
          role: m.role,
          joined_at: m.joined_at,
          read_seq: s && typeof s.seq === "number" ? s.seq : 0,
          read_at: s ? dateOrNull(s.at) : null,
          muted_until: null, // nor mutes
        };
      }),
    );
  }

  async function membersPage(after: string | null, limit: number): Promise<CopyPage> {
    const cut = after === null ? -1 : after.lastIndexOf("#");
    const afterKey = after === null ? null : cut < 0 ? after : after.slice(0, cut);
    const afterUser = after === null || cut < 0 ? null : after.slice(cut + 1);
    const rows: Doc[] = [];
    // The first read includes the cursor's conversation (it may have members left).
    let filter: Doc = afterKey === null ? {} : { _id: { $gte: afterKey } };
    for (;;) {
      const convs = (await db
        .collection("conversations")
        .find(filter, { projection: { _id: 1, type: 1, public_id: 1, member_ids: 1, created_at: 1 } })
        .sort({ _id: 1 })
        .limit(CONVERSATIONS_PER_READ)
        .toArray()) as Doc[];
      if (convs.length === 0) return { rows, next: null };
      const lists = await membersOf(convs);
      for (const list of lists) {
        for (const m of list) {
          if (m.conversation_key === afterKey && afterUser !== null && (m.user_id as string) <= afterUser) continue;
          rows.push(m);
          if (rows.length === limit) return { rows, next: `${m.conversation_key as string}#${m.user_id as string}` };
        }
      }
      if (convs.length < CONVERSATIONS_PER_READ) return { rows, next: null };
      filter = { _id: { $gt: convs[convs.length - 1]!._id } };
    }
  }

  async function page(table: CopyTable, after: string | null, limit: number): Promise<CopyPage> {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`limit: must be a positive integer, got ${limit}`);
    if (table === "members") return membersPage(after, limit);
    const t = tables[table];
    if (!t) return { rows: [], next: null }; // uploads, push subscriptions: not kept by the old release
    return plainPage(t, after, limit);
  }

  async function count(table: CopyTable): Promise<number> {
    if (table === "members") {
      // Exactly what the pages yield: the same walk, without keeping the rows.
      let n = 0;
      let after: string | null = null;
      do {
        const p = await membersPage(after, 5000);
        n += p.rows.length;
        after = p.next;
      } while (after !== null);
      return n;
    }
    const t = tables[table];
    if (!t) return 0;
    return db.collection(t.collection).countDocuments(t.filter ?? {});
  }

  async function close() {
    await Promise.all([...open.keys()].map(closeCursor));
  }

  return { page, count, close };
}
