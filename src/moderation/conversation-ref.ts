// A stored conversation as the message service addresses it, for moderators who act on a
// message without being in its conversation (an operator deleting a reported message of a
// DM). Members of the conversation resolve it through its policy instead.
import { namespaceOf, type ConversationRef } from "../messaging/conversation-policy.ts";
import type { ConversationRepository } from "../messaging/conversation.repository.ts";
import type { ConversationType } from "../contract/models.ts";
import { notFound } from "../shared/errors.ts";

/** The kind and public id a conversation key names ("group:<id>", "couple:<chat id>", "dm:<a>|<b>", which is its own id). */
export function publicOfKey(key: string): { type: ConversationType; id: string } {
  if (key.startsWith("group:")) return { type: "group", id: key.slice("group:".length) };
  if (key.startsWith("couple:")) return { type: "couple", id: key.slice("couple:".length) };
  return { type: "dm", id: key };
}

export async function refOfKey(conversations: ConversationRepository, key: string): Promise<ConversationRef> {
  const conversation = await conversations.byKey(key);
  if (!conversation) throw notFound("Conversation");
  const { type, id } = publicOfKey(key);
  // Who the events go to: a group's room reaches its members; a couple chat or DM goes to its two members' rooms.
  const memberIds = type === "group" ? [] : type === "couple" ? id.split("_") : (await conversations.members(key)).map((m) => m.user_id);
  return { key, type, ns: namespaceOf[type], publicId: id, memberIds, mode: type === "couple" ? (conversation.mode ?? "normal") : null };
}
