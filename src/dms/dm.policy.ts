// Who may use a DM: only its two participants. A DM id names them: `dm:<a>|<b>` with
// the two lowercase usernames sorted, so both sides compute the same id. The thread
// exists from its first message (a `post` creates the conversation).
import type { ConversationModel } from "../messaging/conversation.model.ts";
import type { ConversationPolicy, ConversationRef } from "../messaging/conversation-policy.ts";
import { AppError, forbidden, notFound } from "../shared/errors.ts";
import type { UserModel } from "../users/user.model.ts";

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

// Who is in a DM never changes once it exists, so a resolved DM is remembered for a while:
// the send path then skips two lookups per message.
const CACHE_MS = 60_000;
const CACHE_MAX = 50_000;

export function createDmPolicy(d: { User: UserModel; Conversation: ConversationModel }): ConversationPolicy {
  const known = new Map<string, { ref: ConversationRef; at: number }>();
  async function resolveFresh(publicId: string, userId: string, access: "read" | "post"): Promise<{ ref: ConversationRef; existing: boolean }> {
    const [a, b] = parseDmId(publicId);
    const me = await d.User.findById(userId, { username: 1 }).lean();
    if (!me || (me.username !== a && me.username !== b)) throw forbidden("This DM is between two other users");
    const conv = await d.Conversation.findById(publicId).lean();
    if (conv) return { ref: { key: publicId, type: "dm", ns: "dm", publicId, memberIds: conv.member_ids, mode: null }, existing: true };
    const other = await d.User.findOne({ username: me.username === a ? b : a }, { _id: 1 }).lean();
    if (!other) throw notFound("The other user of this DM");
    const memberIds = [userId, other._id.toString()].sort();
    if (access === "post") {
      await d.Conversation.updateOne(
        { _id: publicId },
        { $setOnInsert: { type: "dm", public_id: publicId, member_ids: memberIds, last_seq: 0, mode: null, created_at: new Date() } },
        { upsert: true },
      );
    }
    return { ref: { key: publicId, type: "dm", ns: "dm", publicId, memberIds, mode: null }, existing: access === "post" };
  }

  return {
    async resolve(publicId, userId, access): Promise<ConversationRef> {
      const cacheKey = `${userId} ${publicId}`;
      const hit = known.get(cacheKey);
      if (hit && Date.now() - hit.at < CACHE_MS) return hit.ref;
      const ref = await resolveFresh(publicId, userId, access);
      if (ref.existing) {
        if (known.size >= CACHE_MAX) known.clear();
        known.set(cacheKey, { ref: ref.ref, at: Date.now() });
      }
      return ref.ref;
    },
    async canDelete(_ref, userId, message) {
      return message.sender_id === userId;
    },
  };
}
