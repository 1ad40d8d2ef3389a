// What the messaging core needs to know about a conversation kind: how to turn a public
// id into a conversation the caller may use, and who may edit or delete. Each kind
// (couples, groups, DMs) provides one; the core never special-cases a kind.
import type { ChatMode, ConversationType } from "../contract/models.ts";
import type { NamespaceName } from "../events/notifier.ts";
import type { MessageRecord } from "./message.repository.ts";

export interface ConversationRef {
  key: string;
  type: ConversationType;
  ns: NamespaceName;
  publicId: string;
  /** The two members of a couple chat or DM (their user rooms reach every device); empty for a group, whose room reaches its members. */
  memberIds: string[];
  mode: ChatMode | null;
}

/**
 * What the caller is about to do. `read`: see it (history, read position, mute, and deleting
 * one's own message: taking back what one said is never refused). `write`: act in it where
 * the others see it (edit, react, type, change the mode), refused in a conversation closed
 * to the caller (a couple chat after a break-up: chat_closed; a DM across a block: blocked).
 * `post`: write, and may create it (a DM's first message).
 */
export type Access = "read" | "write" | "post";

export interface ConversationPolicy {
  /**
   * Resolves `publicId` for `userId`: a malformed id is a validation_error; a conversation
   * the caller may not see is not_found or forbidden; one the caller may read but not write
   * refuses `write` and `post` (chat_closed, blocked). `post` may create it (a DM's first message).
   */
  resolve(publicId: string, userId: string, access: Access): Promise<ConversationRef>;
  canDelete(ref: ConversationRef, userId: string, message: MessageRecord): Promise<boolean>;
}

export const namespaceOf: Record<ConversationType, NamespaceName> = { couple: "couples", group: "groups", dm: "dm" };
