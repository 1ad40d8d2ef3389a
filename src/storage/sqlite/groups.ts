import type { GroupPatch, GroupRecord, GroupRepository } from "../../groups/group.repository.ts";
import { asyncRepo, bool, date, duplicateAs, given, ms, str, strOrNull, type Row, type SqliteDb, type Sync } from "./database.ts";
import { addMembers } from "./conversations.ts";
import { removeConversationMentions } from "./read-state.ts";

export function groupFromRow(r: Row): GroupRecord {
  return {
    id: str(r.id),
    name: str(r.name),
    description: str(r.description),
    is_public: bool(r.is_public),
    owner_id: str(r.owner_id),
    avatar_url: strOrNull(r.avatar_url),
    created_at: date(r.created_at),
    updated_at: date(r.updated_at),
  };
}

export function putGroup(db: SqliteDb, g: GroupRecord, replace: boolean): void {
  db.run(
    `INSERT ${replace ? "OR REPLACE " : ""}INTO "groups" (id, name, description, is_public, owner_id, avatar_url, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    g.id, g.name, g.description ?? "", g.is_public ? 1 : 0, g.owner_id, g.avatar_url ?? null, ms(g.created_at), ms(g.updated_at),
  );
}

const conversationKey = (id: string) => `group:${id}`;

/** Most recently updated first; the id breaks ties so both lists merge the same way. */
function recentFirst(x: GroupRecord, y: GroupRecord): number {
  return y.updated_at.getTime() - x.updated_at.getTime() || (y.id < x.id ? -1 : y.id > x.id ? 1 : 0);
}

export function sqliteGroups(db: SqliteDb): GroupRepository {
  const byId = (id: string) => {
    const r = db.get(`SELECT * FROM "groups" WHERE id = ?`, id);
    return r ? groupFromRow(r) : null;
  };

  const repo: Sync<GroupRepository> = {
    create(g, members) {
      const group: GroupRecord = {
        id: g.id, name: g.name, description: g.description, is_public: g.is_public, owner_id: g.owner_id,
        avatar_url: g.avatar_url ?? null, created_at: g.created_at, updated_at: g.created_at,
      };
      return db.tx(() => {
        try {
          putGroup(db, group, false);
        } catch (e) {
          duplicateAs(e, "id");
        }
        db.run(
          "INSERT INTO conversations (key, type, public_id, mode, created_at) VALUES (?, 'group', ?, NULL, ?) ON CONFLICT DO NOTHING",
          conversationKey(g.id), g.id, ms(g.created_at),
        );
        addMembers(db, conversationKey(g.id), members, g.created_at);
        return group;
      });
    },
    byId,
    update(id, patch: GroupPatch) {
      return db.tx(() => {
        const current = byId(id);
        if (!current) return null;
        const next: GroupRecord = { ...current, ...given<GroupRecord>(patch, ["name", "description", "is_public", "avatar_url"]), updated_at: new Date() };
        db.run(
          `UPDATE "groups" SET name = ?, description = ?, is_public = ?, avatar_url = ?, updated_at = ? WHERE id = ?`,
          next.name, next.description, next.is_public ? 1 : 0, next.avatar_url, ms(next.updated_at), id,
        );
        return next;
      });
    },
    touch(id, at) {
      db.run(`UPDATE "groups" SET updated_at = ? WHERE id = ?`, ms(at), id);
    },
    remove(id) {
      const key = conversationKey(id);
      return db.tx(() => {
        if (db.run(`DELETE FROM "groups" WHERE id = ?`, id) === 0) return false;
        db.run("DELETE FROM reactions WHERE message_id IN (SELECT id FROM messages WHERE conversation_key = ?)", key);
        removeConversationMentions(db, key);
        db.run("DELETE FROM messages WHERE conversation_key = ?", key);
        db.run("DELETE FROM members WHERE conversation_key = ?", key);
        db.run("DELETE FROM conversations WHERE key = ?", key);
        return true;
      });
    },
    listVisible(userId, mineOnly, limit) {
      // The user's groups: their group memberships (a key range of members_user), each
      // group by id. Sorting them reads only the user's own groups.
      const mine = db.all(
        `SELECT g.* FROM members m JOIN "groups" g ON g.id = substr(m.conversation_key, 7)
         WHERE m.user_id = ? AND m.conversation_key > 'group:' AND m.conversation_key < 'group;'
         ORDER BY g.updated_at DESC, g.id DESC LIMIT ?`,
        userId, limit,
      );
      // Public ones: the newest `limit` from groups_public, read backwards.
      const pub = mineOnly ? [] : db.all(`SELECT * FROM "groups" WHERE is_public = 1 ORDER BY updated_at DESC, id DESC LIMIT ?`, limit);
      const byId = new Map([...mine, ...pub].map((r) => [str(r.id), groupFromRow(r)]));
      return [...byId.values()].sort(recentFirst).slice(0, Math.max(0, limit));
    },
  };
  return asyncRepo(db, repo);
}
