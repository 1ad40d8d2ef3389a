// What the other features ask about blocks: a wall between two users, in either direction
// (docs/DECISIONS.md, "Blocking and breaking up"). A type of its own so that the couple,
// DM, presence, typing, profile and push code can take it without importing the block
// service (which itself calls into couples when a partner is blocked).
import { AppError } from "../shared/errors.ts";

export interface BlockCheck {
  /** Whether either of the two blocked the other. Cached per user; a change made on another node arrives over the cluster bus. */
  between(a: string, b: string): Promise<boolean>;
  /** Throws `blocked` (403) when either of the two blocked the other; a cached "blocked" is confirmed by a read first. */
  assertNotBlocked(a: string, b: string): Promise<void>;
  /** Everyone in a block with the user, on either side (whom typing and presence fan-out leave out). */
  related(userId: string): Promise<string[]>;
}

export const blockedError = () => new AppError("blocked", "One of you blocked the other: you cannot message or send partner requests to this user");

/** The card as a user across a block sees it: the public card without the mood (a live status, like presence). */
export async function cardFor<T extends { id: string; mood: string | null }>(blocks: BlockCheck | undefined, viewerId: string, card: T): Promise<T> {
  if (!blocks || card.id === viewerId || !(await blocks.between(viewerId, card.id))) return card;
  return { ...card, mood: null };
}
