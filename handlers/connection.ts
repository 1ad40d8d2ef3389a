// What every namespace does when a socket connects: join the user's room and (groups)
// the rooms of the user's groups, register presence, tell the client where its event
// stream stands, and keep the metrics.
import type { RealtimeContext } from "../src/app.ts";
import type { EventLog } from "../src/events/event-log.service.ts";
import { conversationRoom, sessionRoom, userRoom, type NamespaceName } from "../src/events/notifier.ts";
import type { PresenceService } from "../src/presence/presence.service.ts";
import type { InflightTracker } from "../src/shared/inflight.ts";
import type { ChatSocket } from "./socket-auth.ts";
import { unwatchTokenExpiry, watchTokenExpiry } from "./token-expiry.ts";

export interface ConnectionDeps {
  presence: PresenceService;
  eventLog: EventLog;
  groups: { groupIdsOf(userId: string): Promise<string[]> };
  inflight: InflightTracker;
}

/** The connection lifecycle of one namespace, made once: its listeners read their socket
 *  from `this` (Socket.IO calls listeners on the socket), so an idle socket holds no closures. */
export function connectionLifecycle(ns: NamespaceName, d: ConnectionDeps, ctx: RealtimeContext) {
  const nsLabels = { namespace: ns };

  function disconnected(this: ChatSocket) {
    const { userId } = this.data;
    unwatchTokenExpiry(this);
    const socketId = this.id;
    ctx.metrics.socketsConnected.dec(nsLabels);
    // Tracked as in flight so a graceful shutdown waits for it before closing Redis.
    void d.inflight.run(() => d.presence.disconnected(userId, socketId)).catch((err) => ctx.log.warn({ err }, "presence update failed"));
  }

  async function setUp(socket: ChatSocket) {
    const { userId } = socket.data;
    ctx.metrics.socketsConnected.inc(nsLabels);
    ctx.metrics.reconnects.inc({ namespace: ns, recovered: String(socket.recovered) });
    socket.on("disconnect", disconnected);

    // Rooms come from current memberships on every connect. A recovered socket gets its old
    // rooms back, which may be stale: a group joined or left while it was away.
    const rooms = [userRoom(userId), sessionRoom(socket.data.sessionId)];
    if (ns === "groups") rooms.push(...(await d.groups.groupIdsOf(userId)).map(conversationRoom));
    for (const room of socket.rooms) {
      if (room.startsWith("conv:") && !rooms.includes(room)) await socket.leave(room);
    }
    await socket.join(rooms);

    await d.presence.connected(userId, socket.id);
    // It may have gone while we were awaiting; its disconnect handler ran before the add.
    if (socket.disconnected) await d.presence.disconnected(userId, socket.id);
    if (ns === "couples") {
      const partnerStatus = await d.presence.partnerStatusOf(userId);
      if (partnerStatus) socket.emit("user_presence_update", partnerStatus);
    }

    // Sent on every connect so that even a client that never received another event has an
    // offset to recover from, and knows where its event stream stands.
    const { epoch, lastSeq } = await d.eventLog.streamPosition();
    socket.emit("session", { user_id: userId, recovered: socket.recovered, epoch, last_event_seq: lastSeq });
  }

  return {
    connected(socket: ChatSocket) {
      watchTokenExpiry(socket);
      void setUp(socket).catch((err) => {
        ctx.log.error({ err, ns }, "socket setup failed");
        socket.disconnect(true);
      });
    },
  };
}
