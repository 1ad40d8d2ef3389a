// Restarts the driver's server monitoring when a monitor is wedged.
//
// Why: the MongoDB Node driver (mongodb 7.8.0) can lose a server's monitor for good. A
// heartbeat that writes its `hello` on a monitoring connection the server has just closed
// (the FIN read, the socket ended, its 'close' not yet emitted) gets `false` from the write
// and waits for a 'drain' that never comes; no socket timeout fires on a destroyed socket.
// The monitor never checks again, the server stays Unknown, and every operation fails server
// selection for as long as the process lives, with the database up. A database restart
// makes it likely: all its connections close at once, the first operation to fail clears the
// pool and asks the monitor for an immediate check, on a connection closing in the same turn.
// (Seen on the kill test's database restart about one run in four; docs/DECISIONS.md.)
//
// The driver bounds every heartbeat itself (the connection and the handshake within
// connectTimeoutMS each; a streaming one waits heartbeatFrequencyMS more), so a heartbeat
// still outstanding past that bound is wedged. This watches the public heartbeat events and
// then closes and reconnects the client, which starts fresh monitors. The client object stays
// the same, so mongoose's connection and models keep working; meanwhile operations fail with
// "Client must be connected", i.e. StorageUnavailableError, and clients retry.
import type { Connection } from "mongoose";

type Client = ReturnType<Connection["getClient"]>;

interface HeartbeatEvent {
  connectionId: string; // the server's address
  awaited: boolean;
}

export interface MonitorWatchdogOptions {
  connectTimeoutMS: number;
  heartbeatFrequencyMS: number;
  /** How often outstanding heartbeats are looked at (and reconnects retried), default 1000 ms. */
  checkEveryMs?: number;
  /** Told when a wedged monitor is found (and the client restarted), and when a reconnect fails. */
  onEvent?: (event: { type: "wedged"; address: string; outstandingMs: number } | { type: "reconnect_failed"; err: unknown }) => void;
}

export function watchMonitors(client: Client, o: MonitorWatchdogOptions) {
  const started = new Map<string, { at: number; awaited: boolean }>();
  const settled = (e: HeartbeatEvent) => started.delete(e.connectionId);
  client.on("serverHeartbeatStarted", (e: HeartbeatEvent) => started.set(e.connectionId, { at: Date.now(), awaited: e.awaited }));
  client.on("serverHeartbeatSucceeded", settled);
  client.on("serverHeartbeatFailed", settled);

  let restarting = false;
  let stopped = false;
  const every = o.checkEveryMs ?? 1000;

  async function restart() {
    restarting = true;
    try {
      await client.close().catch(() => {});
      started.clear(); // the closed monitors' heartbeats; the new ones are watched as they start
      // Until one connect succeeds the client stays closed (operations fail fast, never hang).
      while (!stopped) {
        try {
          await client.connect();
          if (stopped) await client.close().catch(() => {}); // the storage was closed meanwhile
          return;
        } catch (err) {
          o.onEvent?.({ type: "reconnect_failed", err });
          await new Promise((r) => setTimeout(r, every).unref());
        }
      }
    } finally {
      restarting = false;
    }
  }

  const timer = setInterval(() => {
    if (restarting) return;
    const now = Date.now();
    for (const [address, h] of started) {
      const bound = 2 * o.connectTimeoutMS + (h.awaited ? o.heartbeatFrequencyMS : 0) + every;
      if (now - h.at <= bound) continue;
      o.onEvent?.({ type: "wedged", address, outstandingMs: now - h.at });
      void restart();
      return;
    }
  }, every);
  timer.unref();

  return {
    stop() {
      stopped = true;
      clearInterval(timer);
    },
  };
}
