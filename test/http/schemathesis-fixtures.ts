// The data test/http/schemathesis.test.ts runs against: real resources the fuzzing user can
// reach, and this run's part of the Schemathesis configuration (credentials, and dictionaries
// of those real ids for the generator to draw from besides the ones it makes up).
import assert from "node:assert/strict";
import { buildGroup, buildUser, type TestUser } from "../support/factories.ts";
import type { Api } from "../support/http.ts";

/** The server's settings for the run. */
export const SCHEMATHESIS_ENV = {
  // Login attempts are part of the fuzzing: no per-phone intervals or lockouts in the way.
  LOGIN_MAX_PER_IP: "1000000",
  LOGIN_MAX_PER_PHONE: "1000000",
  LOGIN_DELAY_MAX_MS: "0",
  // One throttle low enough to be hit, so that a 429 (body, Retry-After) is checked too.
  LOOKUP_MAX_PER_MIN: "40",
};

async function ok<T = any>(res: Promise<{ status: number; body: T }>, status: number, what: string): Promise<T> {
  const r = await res;
  assert.equal(r.status, status, `${what}: ${JSON.stringify(r.body)}`);
  return r.body;
}

/** Real resources for the generator to draw ids from, all reachable by the fuzzing user. */
export async function fixtures(api: Api) {
  const fuzzer = await buildUser(api, { username: "st_fuzzer" });
  const partner = await buildUser(api, { username: "st_partner" });
  const other = await buildUser(api, { username: "st_other" });
  // Their own sessions: logging out, or rotating the refresh token, must not end the fuzzer's.
  const spare = await buildUser(api);
  // Ending sessions and changing the password: a user of their own, whose single session no
  // fuzzed call can end (no other session to end, no session id of theirs to guess, no password).
  const keeper = await buildUser(api);
  const request = await ok(api.post("/api/partners/request", { recipient_id: partner.id }, fuzzer.token), 201, "partner request");
  await ok(api.post(`/api/partners/requests/${request.id}/respond`, { action: "accept" }, partner.token), 204, "accept");
  const chat = (await ok(api.post("/api/chats", { recipient_id: partner.id }, fuzzer.token), 200, "couple chat")).id as string;
  const dm = `dm:${[fuzzer.username, other.username].sort().join("|")}`;
  const chatGroup = await buildGroup(api, fuzzer, [other], { name: "Fuzzed messages" });
  const ownGroup = await buildGroup(api, fuzzer, [other], { name: "Fuzzed group" });
  const publicGroup = await buildGroup(api, other, [], { is_public: true, name: "Open group" });
  const send = async (path: string, user: TestUser, text: string) => (await ok(api.post(path, { text }, user.token), 201, path)).id as string;
  const messages = {
    couple: [await send(`/api/chats/${chat}/messages`, fuzzer, "hello partner"), await send(`/api/chats/${chat}/messages`, partner, "hi")],
    dm: [await send(`/api/dm/${dm}/message`, fuzzer, "hello other"), await send(`/api/dm/${dm}/message`, other, "hey")],
    group: [await send(`/api/messages/${chatGroup}`, fuzzer, "hello group"), await send(`/api/messages/${chatGroup}`, other, "hello all")],
  };
  const epoch = (await ok(api.get("/api/events/sync", fuzzer.token), 200, "sync")).epoch as string;
  // Moderation (issue 15): in the fuzzer's own group, a report of the other member's message
  // and a ban, so that listing them checks real bodies against the document.
  const reported = await send(`/api/messages/${ownGroup}`, other, "reported message");
  await ok(api.post("/api/reports", { target: { type: "message", conversation_id: ownGroup, message_id: reported }, reason: "spam", note: "fixture" }, fuzzer.token), 201, "report");
  await ok(api.post(`/api/groups/${ownGroup}/bans/${spare.id}`, {}, fuzzer.token), 200, "ban");
  return { fuzzer, partner, other, spare, keeper, chat, dm, chatGroup, ownGroup, publicGroup, messages, epoch };
}

export type Fixtures = Awaited<ReturnType<typeof fixtures>>;

const toml = (v: string) => JSON.stringify(v); // a TOML basic string is a JSON string for these values
const list = (values: string[]) => `[${values.map(toml).join(", ")}]`;
const draw = (dictionary: string) => `{ dictionary = ${toml(dictionary)}, probability = 0.7 }`;

/** This run's part of the configuration: credentials and the dictionaries of real ids. */
export function runConfig(f: Fixtures): string {
  return `
[auth.openapi.bearerAuth]
bearer = ${toml(f.fuzzer.token)}

[auth.openapi.refreshToken]
bearer = ${toml(f.spare.refresh)}

[dictionaries.chats]
values = ${list([f.chat])}
[dictionaries.couple_messages]
values = ${list(f.messages.couple)}
[dictionaries.dms]
values = ${list([f.dm])}
[dictionaries.dm_messages]
values = ${list(f.messages.dm)}
[dictionaries.chat_groups]
values = ${list([f.chatGroup])}
[dictionaries.group_messages]
values = ${list(f.messages.group)}
[dictionaries.groups]
values = ${list([f.ownGroup, f.publicGroup])}
[dictionaries.users]
values = ${list([f.other.id, f.partner.id, f.fuzzer.id])}
[dictionaries.usernames]
values = ${list([f.other.username, f.partner.username])}
[dictionaries.epochs]
values = ${list([f.epoch])}

[[operations]]
include-path-regex = "^/api/chats/\\\\{id\\\\}"
parameters = { "path.id" = ${draw("chats")}, "path.messageId" = ${draw("couple_messages")} }

[[operations]]
include-path-regex = "^/api/dm/\\\\{dm_id\\\\}"
parameters = { "path.dm_id" = ${draw("dms")}, "path.messageId" = ${draw("dm_messages")} }

[[operations]]
include-path-regex = "^/api/messages/\\\\{groupId\\\\}"
parameters = { "path.groupId" = ${draw("chat_groups")}, "path.messageId" = ${draw("group_messages")} }

[[operations]]
include-path-regex = "^/api/groups/\\\\{groupId\\\\}"
parameters = { "path.groupId" = ${draw("groups")}, "path.userId" = ${draw("users")} }

[[operations]]
include-path-regex = "^/api/profiles/\\\\{userId\\\\}$"
parameters = { "path.userId" = ${draw("users")} }

[[operations]]
include-name = "GET /api/users/lookup"
parameters = { "query.username" = ${draw("usernames")} }

[[operations]]
include-name = "GET /api/events/sync"
parameters = { "query.epoch" = ${draw("epochs")} }

# Logging out revokes the session: the spare user's, not the fuzzer's.
[[operations]]
include-name = "POST /api/auth/logout"
headers = { Authorization = ${toml(`Bearer ${f.spare.token}`)} }

# Ending sessions, changing the password and deleting the account (a wrong password counts
# against the login throttle) end sessions too (the stateful phase links the
# fuzzer's own session ids from GET /api/auth/sessions into DELETE): the keeper's instead.
[[operations]]
include-name-regex = "^(DELETE /api/auth/sessions/\\\\{id\\\\}|POST /api/auth/sessions/end-others|POST /api/auth/password|DELETE /api/users/me)$"
headers = { Authorization = ${toml(`Bearer ${f.keeper.token}`)} }
`;
}

