// Which seqs of one conversation the client has seen, in constant memory for the common
// case: every seq in [low, upTo], plus the few seen beyond (ahead: a hole below them) or
// below `low` (arrived out of order). Dedupe by seq needs no message kept, which is what
// lets `maxMessagesPerConversation` bound memory and a load generator hold thousands of
// clients; gap detection is `ahead.size > 0`, never a scan of the messages.
//
// The first seq seen anchors the range: what lies below it is older history (loadOlder),
// not a gap. Seqs are per conversation, gap-free from 1, and a deleted message keeps its
// seq (a tombstone), so "all of low..upTo seen" is exact.

/** Seqs seen in one conversation; see the file comment. */
export class SeqTracker {
  /** Lowest seq of the contiguous run (0 before the first). */
  low = 0;
  /** Highest seq with every seq from `low` up to it seen (0 before the first). */
  upTo = 0;
  /** Seqs seen above upTo + 1: each means a hole below it. */
  readonly ahead = new Set<number>();
  /** Seqs seen below low - 1. */
  readonly below = new Set<number>();

  /** Whether any seq has been seen. */
  get anchored(): boolean {
    return this.upTo > 0;
  }

  /** Whether seq was seen already. */
  has(seq: number): boolean {
    if (!this.anchored) return false;
    return (seq >= this.low && seq <= this.upTo) || this.ahead.has(seq) || this.below.has(seq);
  }

  /** Records seq; false if it was seen already (a duplicate). */
  add(seq: number): boolean {
    if (!this.anchored) {
      this.low = this.upTo = seq;
      return true;
    }
    if (this.has(seq)) return false;
    if (seq === this.upTo + 1) {
      this.upTo = seq;
      while (this.ahead.delete(this.upTo + 1)) this.upTo++;
    } else if (seq > this.upTo) {
      this.ahead.add(seq);
    } else if (seq === this.low - 1) {
      this.low = seq;
      while (this.below.delete(this.low - 1)) this.low--;
    } else {
      this.below.add(seq);
    }
    return true;
  }

  /**
   * Takes every seq from 1 (or the current low) to `seq` as seen: the app holds them
   * already (its own cache, or a load generator that knows where a chat stands).
   */
  assume(seq: number): void {
    if (seq <= 0) return;
    if (!this.anchored) this.low = 1;
    this.low = Math.min(this.low, 1);
    this.below.clear();
    if (seq > this.upTo) this.upTo = seq;
    for (const s of this.ahead) if (s <= this.upTo) this.ahead.delete(s);
    while (this.ahead.delete(this.upTo + 1)) this.upTo++;
  }

  /** Whether a hole lies above upTo (a gap fill is due). */
  get hasGap(): boolean {
    return this.ahead.size > 0;
  }

  /** The highest seq seen. */
  get highest(): number {
    let top = this.upTo;
    for (const s of this.ahead) if (s > top) top = s;
    return top;
  }
}
