// What every namespace does when a socket connects: join the user's room and (groups)
// the rooms of the user's groups, register presence, tell the client where its event
// stream stands, and keep the metrics.
import { conversationRoom, sessionRoom, userRoom, type NamespaceName } from "../src/events/notifier.ts";
import type { Services } from "../src/services.ts";
import type { HandlerContext } from "./index.ts";
import type { ChatSocket } from "./socket-auth.ts";
import { unwatchTokenExpiry } from "./token-expiry.ts";

/** The listeners every socket of a namespace gets, made once: each reads its socket from
 *  `this` (Socket.IO calls listeners on the socket), so an idle socket holds no closures. */
export function socketListeners(ns: NamespaceName, services: Services, ctx: HandlerContext) {
  const nsLabels = { namespace: ns };
  return {
    disconnect(this: ChatSocket) {
      const { userId } = this.data;
      unwatchTokenExpiry(this);
      const socketId = this.id;
      ctx.metrics.socketsConnected.dec(nsLabels);
      // Tracked as in flight so a graceful shutdown waits for it before closing Redis.
      void services.inflight.run(() => services.presence.disconnected(userId, socketId)).catch((err) => ctx.log.warn({ err }, "presence update failed"));
    },
  };
}
export type SocketListeners = ReturnType<typeof socketListeners>;

export async function onConnect(ns: NamespaceName, socket: ChatSocket, services: Services, ctx: HandlerContext, listeners: SocketListeners) {
  const { userId } = socket.data;
  ctx.metrics.socketsConnected.inc({ namespace: ns });
  ctx.metrics.reconnects.inc({ namespace: ns, recovered: String(socket.recovered) });
  // Client events, HEARTBEAT included, are counted (eventsIn), rate limited and acked by the guard.
  socket.on("disconnect", listeners.disconnect);

  // Rooms come from current memberships on every connect. A recovered socket gets its old
  // rooms back, which may be stale: a group joined or left while it was away.
  const rooms = [userRoom(userId), sessionRoom(socket.data.sessionId)];
  if (ns === "groups") {
    const groupIds = await services.groupIdsOf(userId);
    rooms.push(...groupIds.map(conversationRoom));
  }
  for (const room of socket.rooms) {
    if (room.startsWith("conv:") && !rooms.includes(room)) await socket.leave(room);
  }
  await socket.join(rooms);

  await services.presence.connected(userId, socket.id);
  // It may have gone while we were awaiting; its disconnect handler ran before the add.
  if (socket.disconnected) await services.presence.disconnected(userId, socket.id);
  if (ns === "couples") {
    const partnerStatus = await services.presence.partnerStatusOf(userId);
    if (partnerStatus) socket.emit("user_presence_update", partnerStatus);
  }

  // Sent on every connect so that even a client that never received another event has an
  // offset to recover from, and knows where its event stream stands.
  socket.emit("session", {
    user_id: userId,
    recovered: socket.recovered,
    epoch: await services.eventLog.epoch(),
    last_event_seq: await services.eventLog.lastSeq(),
  });
}
