// Who blocked whom. One record per (blocker, blocked) pair: blocking twice keeps the first
// record (and its created_at). The service caches each user's blocks in both directions
// (block-cache.ts), so the reads here are the cache's loads and the list of one's blocks.
export interface BlockRecord {
  blocker_id: string;
  blocked_id: string;
  created_at: Date;
}

export interface BlockRepository {
  /** Stores the block; true when this call stored it, false when it existed already (unchanged). */
  add(b: BlockRecord): Promise<boolean>;
  /** Deletes the block; false when there was none. */
  remove(blockerId: string, blockedId: string): Promise<boolean>;
  /** The blocks `blockerId` made, newest first (then by blocked_id). */
  byBlocker(blockerId: string): Promise<BlockRecord[]>;
  /** Every block any of these users is part of, on either side, each once; order not guaranteed. */
  involving(userIds: readonly string[]): Promise<BlockRecord[]>;
}

/** Newest first, then by blocked_id: the order byBlocker returns in both implementations. */
export function newestBlockFirst(x: BlockRecord, y: BlockRecord): number {
  return y.created_at.getTime() - x.created_at.getTime() || (x.blocked_id < y.blocked_id ? -1 : x.blocked_id > y.blocked_id ? 1 : 0);
}
