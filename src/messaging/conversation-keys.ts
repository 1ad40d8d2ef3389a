// The keys of a user's conversations, for a /groups socket's rooms at connect and for each
// sync request. After a node dies thousands of clients connect and sync at once; each read
// is a scan of the members on FerretDB (no index use), so the callers of one round trip
// share one read of all their users (keysOfMany) through the shared coalescer.
// Not cached: an answer is never older than its request, so a membership change is seen
// by the next connect as it was by a direct read.
import { createReadBatcher } from "../shared/read-batcher.ts";
import type { ConversationRepository } from "./conversation.repository.ts";

export function createConversationKeys(conversations: Pick<ConversationRepository, "keysOfMany">) {
  const reads = createReadBatcher((userIds: string[]) => conversations.keysOfMany(userIds));
  return {
    async of(userId: string): Promise<string[]> {
      return (await reads.get(userId)) ?? [];
    },
  };
}

export type ConversationKeys = ReturnType<typeof createConversationKeys>;
