// Helpers for the unread, mention and mute tests: more devices (sessions) of one user, the
// mute path of each conversation kind, and waiting for a matching `unread_update`.
import type { ServerEventPayload } from "../../src/contract/events.ts";
import { nextEvent, type ChatClient } from "./clients.ts";
import type { Kind } from "./conversations.ts";
import type { Api } from "./http.ts";
import type { TestUser } from "./factories.ts";

export type UnreadUpdate = ServerEventPayload<"unread_update">;

/** The access token of a new login (another session: another device) of the same user. */
export async function anotherDevice(api: Api, user: TestUser): Promise<string> {
  const res = await api.post("/api/auth/login", { username: user.phone, password: user.password });
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.access_token as string;
}

/** PUT/DELETE path of the caller's mute of a conversation. */
export function mutePath(kind: Kind, id: string): string {
  if (kind === "couple") return `/api/chats/${id}/mute`;
  if (kind === "group") return `/api/messages/${id}/mute`;
  return `/api/dm/${encodeURIComponent(id)}/mute`;
}

/** The next `unread_update` about this conversation that satisfies `match`. */
export function nextUnread(socket: ChatClient, conversationId: string, match: (u: UnreadUpdate) => boolean = () => true, timeoutMs?: number) {
  return nextEvent(socket, "unread_update", (u) => u.conversation_id === conversationId && match(u), timeoutMs);
}

/** GET /api/unread for the user (fails loudly unless 200). */
export async function unreadSummary(api: Api, token: string): Promise<{ total: number; conversations: { conversation_id: string; type: string; unread_count: number; mentioned: boolean; muted_until: string | null }[] }> {
  const res = await api.get("/api/unread", token);
  if (res.status !== 200) throw new Error(`GET /api/unread: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}
