// Who may use a couple chat: its two members, nobody else. A chat id is the two user
// ids sorted and joined, so it is the same whichever partner asks. While the two are each
// other's partner the chat is open; after a break-up it is read-only history for both
// (`write` and `post` refused with chat_closed), and it opens again if the same two link
// again (docs/DECISIONS.md, "Blocking and breaking up").
import type { ConversationRepository } from "../messaging/conversation.repository.ts";
import type { ConversationPolicy, ConversationRef } from "../messaging/conversation-policy.ts";
import { AppError, notFound } from "../shared/errors.ts";
import { parse } from "../shared/validate.ts";
import type { UserFacts } from "../users/user-facts.ts";
import type { UserRecord, UserRepository } from "../users/user.repository.ts";
import { CoupleChatId } from "./couple.schemas.ts";

export const coupleChatId = (a: string, b: string) => [a, b].sort().join("_");
export const coupleKey = (chatId: string) => `couple:${chatId}`;

/** Whether the two are each other's partner, as these records say (both sides must agree). */
export function partnersNow(users: readonly Pick<UserRecord, "id" | "partner_id">[], a: string, b: string): boolean {
  const partnerOf = new Map(users.map((u) => [u.id, u.partner_id]));
  return partnerOf.get(a) === b && partnerOf.get(b) === a;
}

export const chatClosed = () => new AppError("chat_closed", "This chat is closed: the partnership ended, so it is read-only history");

export interface CouplePolicyDeps {
  conversations: ConversationRepository;
  users: Pick<UserRepository, "byIds">;
  /** The cached user facts (partner ids): a post by two partners costs no user read. */
  facts?: { get(userId: string): UserFacts | null | Promise<UserFacts | null> };
}

export function createCouplePolicy(d: CouplePolicyDeps): ConversationPolicy {
  async function open(a: string, b: string): Promise<boolean> {
    if (d.facts) {
      const [fa, fb] = await Promise.all([d.facts.get(a), d.facts.get(b)]);
      if (fa?.partnerId === b && fb?.partnerId === a) return true;
    }
    // A cached "not partners" may be a link made on another node a moment ago: read it.
    return partnersNow(await d.users.byIds([a, b]), a, b);
  }

  return {
    async resolve(publicId, userId, access): Promise<ConversationRef> {
      const chatId = parse(CoupleChatId, publicId, "chat_id");
      // The id names its two members: only they can be in it.
      const memberIds = chatId.split("_");
      const [conv, member] = memberIds.includes(userId)
        ? await Promise.all([d.conversations.byKey(coupleKey(chatId)), d.conversations.member(coupleKey(chatId), userId)])
        : [null, null];
      // Not a member and not existing look the same: no probing other couples' chats.
      if (!conv || !member) throw notFound("Chat");
      if (access !== "read" && !(await open(memberIds[0]!, memberIds[1]!))) throw chatClosed();
      return { key: conv.key, type: "couple", ns: "couples", publicId: chatId, memberIds, mode: conv.mode ?? "normal" };
    },
    async canDelete(_ref, userId, message) {
      return message.sender_id === userId;
    },
  };
}
