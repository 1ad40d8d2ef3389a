// The order a view shows messages in, and which of two copies of a message is further along.
import type { Message } from "../../src/contract/models.ts";

/** Whether copy `a` of a message is further along than `b`: deleted, or edited later. */
export function isNewer(a: Message, b: Message): boolean {
  if (a.deleted !== b.deleted) return a.deleted;
  return (a.last_edited_at ?? "") > (b.last_edited_at ?? "");
}

/** By seq; incognito messages (no seq) by time among them; the newest `max` kept. */
export function orderMessages(all: readonly Message[], max: number): Message[] {
  const stored = all.filter((m) => m.seq !== null).sort((a, b) => a.seq! - b.seq!);
  const noSeq = all.filter((m) => m.seq === null).sort((a, b) => a.created_at.localeCompare(b.created_at));
  let out: Message[] = stored;
  if (noSeq.length) {
    out = [];
    let i = 0;
    for (const m of stored) {
      while (i < noSeq.length && noSeq[i]!.created_at < m.created_at) out.push(noSeq[i++]!);
      out.push(m);
    }
    out.push(...noSeq.slice(i));
  }
  return out.length > max ? out.slice(out.length - max) : out;
}
