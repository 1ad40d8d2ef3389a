// `@username` mentions. Only a group message mentions anyone: in a couple chat or a DM the
// other person reads everything anyway. A token names a member by username (the syntax of
// src/users/user.schemas.ts, lowercase), resolved on the server when the message is stored
// and again when its text is edited; a name that is not a member's (or is the sender's) is
// plain text. The message keeps the ids, in text order, once each.
import type { ConversationRef } from "./conversation-policy.ts";
import type { MessageRepository } from "./message.repository.ts";

/**
 * How many distinct names one message may mention. Bounds the lookup and the unread updates
 * a single message can cause; a text that names more mentions the first ones.
 */
export const MAX_MENTIONS = 50;

// Not preceded by a name character or another @ (so an email address's domain or "@@x" is no
// mention), and the whole name: "@alice_b" never mentions alice.
const MENTION = /(?<![A-Za-z0-9_@])@([a-z0-9_]{3,32})(?![A-Za-z0-9_])/g;

/** The distinct usernames the text's `@` tokens name, in text order, at most MAX_MENTIONS. */
export function mentionedUsernames(text: string): string[] {
  const names: string[] = [];
  for (const match of text.matchAll(MENTION)) {
    const name = match[1]!;
    if (!names.includes(name)) names.push(name);
    if (names.length === MAX_MENTIONS) break;
  }
  return names;
}

/** The member ids a message of `senderId` with this text mentions in this conversation (always none outside groups). */
export async function resolveMentions(messages: Pick<MessageRepository, "membersNamed">, ref: ConversationRef, senderId: string, text: string): Promise<string[]> {
  if (ref.type !== "group") return [];
  const names = mentionedUsernames(text);
  if (names.length === 0) return [];
  const found = new Map((await messages.membersNamed(ref.key, names)).map((m) => [m.username, m.user_id]));
  const ids: string[] = [];
  for (const name of names) {
    const id = found.get(name);
    if (id && id !== senderId && !ids.includes(id)) ids.push(id);
  }
  return ids;
}
