// The counters of `client.stats`: how the client met the delivery guarantee.
import type { Namespace } from "./paths.ts";
import type { ChatClientStats, MessageSource } from "./types.ts";

/** A client's counters, all zero. */
export const newStats = (): ChatClientStats => ({ connects: 0, recovered: 0, notRecovered: 0, live: 0, fromSync: 0, fromGapFill: 0, fromHistory: 0, fromAck: 0, rawDuplicates: 0, resyncs: 0, syncRequests: 0, historyRequests: 0, refreshes: 0, sendRetries: 0, reconnectTimes: [] });

/** The counter of messages first seen by each path. */
export const NEW_BY_SOURCE: Readonly<Record<MessageSource, keyof ChatClientStats>> = { live: "live", sync: "fromSync", gap: "fromGapFill", history: "fromHistory", ack: "fromAck" };

/** Counts connects, recoveries and reconnect times per namespace. */
export function connectionStats(stats: ChatClientStats) {
  const dropAt = new Map<Namespace, number>();
  const sessions = new Map<Namespace, number>();
  return {
    /** A namespace's socket dropped (the first drop of a run starts its reconnect time). */
    dropped(ns: Namespace): void {
      if (!dropAt.has(ns)) dropAt.set(ns, Date.now());
    },
    /** A namespace's `session`. */
    session(ns: Namespace, recovered: boolean): void {
      stats.connects++;
      const had = sessions.get(ns) ?? 0;
      sessions.set(ns, had + 1);
      if (had > 0) {
        if (recovered) stats.recovered++;
        else stats.notRecovered++;
      }
      const at = dropAt.get(ns);
      if (at === undefined) return;
      dropAt.delete(ns);
      stats.reconnectTimes.push(Date.now() - at);
      if (stats.reconnectTimes.length > 1000) stats.reconnectTimes.shift();
    },
  };
}
