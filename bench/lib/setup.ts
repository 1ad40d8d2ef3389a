// Fixtures for our app, made through its public REST API (not measured): users with
// access tokens, and groups whose members are real members.
import { api, type Api } from "../../test/support/http.ts";

export interface BenchUser {
  id: string;
  username: string;
  token: string;
}

/** Runs `fn` over `items` with at most `limit` in flight. */
export async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

let phones = 0;

/** Registers `n` users named `<prefix><i>` (a fresh database per run keeps them unique). */
export async function registerUsers(url: string, n: number, prefix: string): Promise<BenchUser[]> {
  const rest = api(url);
  return mapLimit(
    Array.from({ length: n }, (_, i) => i),
    8,
    async (i) => {
      const res = await rest.post("/api/auth/register", {
        phone: `+1555${String(phones++).padStart(7, "0")}`,
        password: "bench password 123",
        display_name: `Bench ${prefix} ${i}`,
        username: `${prefix}${i}`,
      });
      if (res.status !== 201) throw new Error(`register ${prefix}${i}: ${res.status} ${JSON.stringify(res.body)}`);
      return { id: res.body.user.id, username: res.body.user.username, token: res.body.access_token };
    },
  );
}

// POST /api/groups accepts at most 2 000 member_ids (group.schemas.ts); the rest join by invitation.
const CREATE_MAX_MEMBERS = 2000;

/** A private group owned by `owner` with `members` (real members: created, then invited). */
export async function createGroup(url: string, owner: BenchUser, members: BenchUser[], groupId: string): Promise<string> {
  const rest: Api = api(url);
  const first = members.slice(0, CREATE_MAX_MEMBERS);
  const res = await rest.post("/api/groups", { group_id: groupId, name: `Bench ${groupId}`, is_public: false, member_ids: first.map((m) => m.id) }, owner.token);
  if (res.status !== 201) throw new Error(`create group ${groupId}: ${res.status} ${JSON.stringify(res.body)}`);
  for (const m of members.slice(CREATE_MAX_MEMBERS)) {
    const add = await rest.post(`/api/groups/${groupId}/members`, { user_id: m.id }, owner.token);
    if (add.status !== 200) throw new Error(`add member to ${groupId}: ${add.status} ${JSON.stringify(add.body)}`);
  }
  return groupId;
}
