// The previous release kept no member rows: each conversation gives one per member (a group's
// from its group document, else member_ids), with read positions from read_states; see the
// layout in ./legacy-source.ts.
import type { CopyPage } from "../copy.ts";
import { byIds, date, dateOrNull, hex, role, str, strings, type Db, type Doc } from "./legacy-values.ts";

/** The `members` table, read page by page. */
export function legacyMembers(db: Db) {
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

  return { membersPage };
}
