// Small messages between the nodes of a cluster ("forget your cached copy of X"), carried
// by the Socket.IO adapter's serverSideEmit, which both Redis adapters of the project send
// over Redis pub/sub: no extra connection to manage. Pub/sub does not replay, so a node cut
// off from Redis misses messages: everything sent here must also be bounded by a TTL on
// the receiving side.
import { ClusterAdapter } from "socket.io-adapter";

export interface ClusterBus {
  /**
   * Sends to every other node. With `waitMs`, resolves once each of them confirmed, or
   * after `waitMs`; without, at once. Never rejects: a Redis outage is the TTL's business.
   */
  publish(event: string, payload: unknown, waitMs?: number): Promise<void>;
  /** Handles what the other nodes publish (confirming it, for a publisher that waits). */
  subscribe(event: string, onMessage: (payload: unknown) => void): void;
}

/** The part of a Namespace used here, without the app's typed (and empty) server-side event map. */
interface SideChannel {
  adapter: unknown;
  on(event: string, listener: (...args: unknown[]) => void): unknown;
}

/** A bus over a namespace's adapter; undefined on the in-memory adapter (one node: nobody to tell). */
export function socketIoClusterBus(namespace: { adapter: object }): ClusterBus | undefined {
  const nsp = namespace as unknown as SideChannel;
  if (!(nsp.adapter instanceof ClusterAdapter)) return undefined;
  const adapter = nsp.adapter;
  return {
    publish(event, payload, waitMs) {
      // The adapter itself, not nsp.serverSideEmit(WithAck): those drop the adapter's
      // promise, whose rejection (Redis unreachable) would then go unhandled.
      if (!waitMs) return adapter.serverSideEmit([event, payload]).catch(() => {});
      return new Promise<void>((resolve) => {
        // A node that does not answer in time (down, partitioned) is covered by the TTL.
        const timer = setTimeout(resolve, waitMs);
        const done = () => {
          clearTimeout(timer);
          resolve();
        };
        adapter.serverSideEmit([event, payload, done]).catch(done);
      });
    },
    subscribe(event, onMessage) {
      nsp.on(event, (...args: unknown[]) => {
        const [payload, ack] = args;
        onMessage(payload);
        if (typeof ack === "function") ack(true);
      });
    },
  };
}
