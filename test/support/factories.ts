// Factories that create real users, couples and groups. With the server in this process
// (startStack) they write through its services, as a client's request would end up doing,
// without an HTTP round trip per step; against a server in another process (a cluster
// node) they go through the REST API.
import { randomInt } from "node:crypto";
import { RegisterBody } from "../../src/auth/auth.schemas.ts";
import { UpsertGroupBody } from "../../src/groups/group.schemas.ts";
import type { Api } from "./http.ts";

export interface TestUser {
  id: string;
  username: string;
  phone: string;
  password: string;
  display_name: string;
  token: string;
  refresh: string;
}

let counter = 0;
export function uniquePhone(): string {
  counter++;
  return `+1555${String(process.pid % 1000).padStart(3, "0")}${String(counter).padStart(4, "0")}${randomInt(10)}`;
}

export async function buildUser(api: Api, overrides: Partial<{ phone: string; password: string; display_name: string; username: string }> = {}): Promise<TestUser> {
  const phone = overrides.phone ?? uniquePhone();
  const password = overrides.password ?? "correct horse battery";
  const display_name = overrides.display_name ?? `User ${counter}`;
  const body: Record<string, string> = { phone, password, display_name };
  if (overrides.username) body.username = overrides.username;
  if (api.services) {
    const r = await api.services.auth.register(RegisterBody.parse(body));
    return { id: r.user.id, username: r.user.username, phone, password, display_name, token: r.access_token, refresh: r.refresh_token };
  }
  const res = await api.post("/api/auth/register", body);
  if (res.status !== 201) throw new Error(`register failed: ${res.status} ${JSON.stringify(res.body)}`);
  return {
    id: res.body.user.id,
    username: res.body.user.username,
    phone,
    password,
    display_name,
    token: res.body.access_token,
    refresh: res.body.refresh_token,
  };
}

/** Two users linked as partners, with their couple chat. */
export async function buildCouple(api: Api) {
  const a = await buildUser(api);
  const b = await buildUser(api);
  if (api.services) {
    const { couples } = api.services;
    await couples.respond(b.id, (await couples.request(a.id, b.id)).id, "accept");
    return { a, b, chatId: (await couples.openChat(a.id, b.id)).id };
  }
  const req = await api.post("/api/partners/request", { recipient_id: b.id }, a.token);
  if (req.status !== 201) throw new Error(`partner request failed: ${req.status} ${JSON.stringify(req.body)}`);
  const ok = await api.post(`/api/partners/requests/${req.body.id}/respond`, { action: "accept" }, b.token);
  if (ok.status !== 204) throw new Error(`accept failed: ${ok.status} ${JSON.stringify(ok.body)}`);
  const chat = await api.post("/api/chats", { recipient_id: b.id }, a.token);
  if (chat.status !== 200) throw new Error(`chat failed: ${chat.status} ${JSON.stringify(chat.body)}`);
  return { a, b, chatId: chat.body.id as string };
}

/** A group owned by the first user, with the others as members. */
export async function buildGroup(api: Api, owner: TestUser, members: TestUser[], opts: { is_public?: boolean; name?: string } = {}) {
  const input = { name: opts.name ?? "Test group", is_public: opts.is_public ?? false, member_ids: members.map((m) => m.id) };
  if (api.services) return (await api.services.groups.upsert(owner.id, UpsertGroupBody.parse(input))).group.id;
  const res = await api.post("/api/groups", input, owner.token);
  if (res.status !== 201) throw new Error(`group failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.id as string;
}

export const dmIdOf = (a: TestUser, b: TestUser) => `dm:${[a.username, b.username].sort().join("|")}`;
