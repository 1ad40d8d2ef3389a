// Who may use a DM: only its two participants. A DM id names them: `dm:<a>|<b>` with
// the two lowercase usernames sorted, so both sides compute the same id. The thread
// exists from its first message (a `post` creates the conversation). Across a block
// (src/safety) the history stays readable, but nothing new is written: `write` and `post`
// are refused with `blocked`, whichever of the two blocked the other.
import type { ConversationRepository } from "../messaging/conversation.repository.ts";
import type { ConversationPolicy, ConversationRef } from "../messaging/conversation-policy.ts";
import type { BlockCheck } from "../safety/block-check.ts";
import { AppError, forbidden, notFound } from "../shared/errors.ts";
import type { UserRepository } from "../users/user.repository.ts";

const DM_ID = /^dm:([a-z0-9_]{3,32})\|([a-z0-9_]{3,32})$/;

export function dmIdFor(a: string, b: string) {
  return `dm:${[a, b].sort().join("|")}`;
}

export function parseDmId(dmId: string): [string, string] {
  const m = DM_ID.exec(dmId);
  if (!m) throw new AppError("validation_error", "dm_id: must look like dm:<username>|<username> (lowercase)");
  const [, a, b] = m as unknown as [string, string, string];
  if (a === b) throw new AppError("validation_error", "dm_id: needs two different usernames");
  if (a > b) throw new AppError("validation_error", `dm_id: usernames must be sorted (${dmIdFor(a, b)})`);
  return [a, b];
}

export function createDmPolicy(d: { users: UserRepository; conversations: ConversationRepository; blocks?: BlockCheck }): ConversationPolicy {
  async function resolveDm(publicId: string, userId: string, access: "read" | "post"): Promise<ConversationRef> {
    const [a, b] = parseDmId(publicId);
    const me = await d.users.byId(userId);
    if (!me || (me.username !== a && me.username !== b)) throw forbidden("This DM is between two other users");
    const [conv, members] = await Promise.all([d.conversations.byKey(publicId), d.conversations.members(publicId)]);
    if (conv) {
      const memberIds = members.map((m) => m.user_id);
      // The id names usernames, the members are accounts: a username freed by an account
      // deletion and registered again must not open the deleted account's DMs (src/account).
      if (!memberIds.includes(userId)) throw forbidden("This DM belongs to an earlier account with your username");
      const otherId = memberIds.find((id) => id !== userId);
      if (access !== "read" && otherId) await d.blocks?.assertNotBlocked(userId, otherId);
      return { key: publicId, type: "dm", ns: "dm", publicId, memberIds, mode: null };
    }
    const other = await d.users.byUsername(me.username === a ? b : a);
    if (!other) throw notFound("The other user of this DM");
    const memberIds = [userId, other.id].sort();
    if (access !== "read") await d.blocks?.assertNotBlocked(userId, other.id);
    if (access === "post") {
      const members = memberIds.map((user_id) => ({ user_id, role: "member" as const }));
      await d.conversations.ensure({ key: publicId, type: "dm", public_id: publicId, mode: null, created_at: new Date() }, members);
    }
    return { key: publicId, type: "dm", ns: "dm", publicId, memberIds, mode: null };
  }

  return {
    resolve: resolveDm,
    async canDelete(_ref, userId, message) {
      return message.sender_id === userId;
    },
  };
}
