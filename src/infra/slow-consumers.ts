// Backpressure: a client that stops reading (a stalled tab, a dead TCP peer that has not
// timed out yet) must not grow server memory without bound. Each sweep looks at every
// local socket's outgoing buffer: engine.io's write buffer (packets waiting for a
// polling client or a busy WebSocket) and the WebSocket's own bufferedAmount. Over the
// cap, the transport is closed; "forced close" is a recoverable reason, so a client that
// was merely slow recovers its missed events (or syncs) when it comes back.
//
// Library internals: engine.io's `clients` map, a connection's writeBuffer, transport and
// close(discard), the ws socket under its websocket transport, and socket.io counting
// "forced close" as recoverable. engine.io and socket.io are pinned exactly in package.json;
// test/infra/library-internals.test.ts fails when these change.
import type { Server } from "socket.io";

interface EngineConn {
  writeBuffer?: unknown[];
  transport?: { name?: string; socket?: { bufferedAmount?: number } };
  close(discard?: boolean): void;
}

export function startSlowConsumerGuard(io: Server, opts: { maxPackets: number; maxBytes: number; intervalMs?: number; onCut?: () => void }) {
  const timer = setInterval(() => {
    // engine.io keeps its connections in a protected map; reading it is the only way to see buffers.
    const clients = (io.engine as unknown as { clients: Record<string, EngineConn> }).clients;
    for (const client of Object.values(clients)) {
      const packets = client.writeBuffer?.length ?? 0;
      const bytes = client.transport?.socket?.bufferedAmount ?? 0;
      if (packets > opts.maxPackets || bytes > opts.maxBytes) {
        opts.onCut?.();
        // discard: a plain close() would wait for the buffer to drain, which is the problem.
        client.close(true);
      }
    }
  }, opts.intervalMs ?? 1000);
  timer.unref();
  return () => clearInterval(timer);
}
