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
import { legacyMembers } from "./legacy-members.ts";
import { legacyTables, type Plain } from "./legacy-tables.ts";
import { dateOrNull, hex, str, type Db, type Doc } from "./legacy-values.ts";

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

export function legacySource(db: Db): CopySource & { close(): Promise<void> } {
  const tables = legacyTables(db, messageHeads);

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

  const { membersPage } = legacyMembers(db);

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
