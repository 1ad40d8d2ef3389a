// Step 3 of the catch-up (catch-up.ts): a live message whose seq jumps leaves a hole, filled
// from history after the conversation's contiguous seq, asked again after 250 ms, 500 ms...
// (up to 3 s, a dozen times) while the hole has not settled. One job per conversation; a
// hole seen while one runs runs it again after.
import { sleep } from "./backoff.ts";
import type { Conversation } from "./conversation-view.ts";
import { ChatError, toChatError } from "./errors.ts";

/** The gap fills of one client. */
export function createGapFill(d: { error(err: ChatError): void; signal: { closed: boolean; wake: Set<() => void> } }) {
  const gapJobs = new Map<Conversation, Promise<void>>();
  const gapAgain = new Set<Conversation>();

  /** Reads history after the contiguous run until the hole is gone, waiting while it has not settled. */
  async function loop(c: Conversation) {
    for (let attempt = 0; !d.signal.closed; attempt++) {
      if (!c.seqs.hasGap) return;
      try {
        await c.fetchAfter(c.seqs.upTo, "gap");
      } catch (err) {
        if (toChatError(err).code === "logged_out") return;
        if (attempt >= 12) throw err;
      }
      if (!c.seqs.hasGap) return;
      // History stops before a hole that may still fill (a send in flight, or one whose
      // sender died, which the server turns into a tombstone): ask again a little later.
      if (attempt >= 12) throw new ChatError("gap_not_filled", `${c.ns}/${c.id}: seqs after ${c.seqs.upTo} still missing`);
      await sleep(Math.min(250 * 2 ** attempt, 3_000), d.signal);
    }
  }

  function fill(c: Conversation) {
    if (gapJobs.has(c)) {
      gapAgain.add(c);
      return;
    }
    const job = loop(c)
      .catch((err: unknown) => d.error(toChatError(err)))
      .finally(() => {
        gapJobs.delete(c);
        if (gapAgain.delete(c) && c.seqs.hasGap) fill(c);
      });
    gapJobs.set(c, job);
  }

  return {
    /** Fills `c`'s hole (now, or after the fill already running). */
    fill,
    /** The fills running now. */
    running: (): Promise<void>[] => [...gapJobs.values()],
  };
}
