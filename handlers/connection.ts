// What every namespace does when a socket connects: join the user's room and (groups)
// the rooms of the user's groups, register presence, tell the client where its event
// stream stands, and keep the metrics.
import { conversationRoom, userRoom, type NamespaceName } from "../src/events/notifier.ts";
import type { Services } from "../src/services.ts";
import type { HandlerContext } from "./index.ts";
import type { ChatSocket } from "./socket-auth.ts";

export async function onConnect(ns: NamespaceName, socket: ChatSocket, services: Services, ctx: HandlerContext) {
  const { userId } = socket.data;
  ctx.metrics.socketsConnected.inc({ namespace: ns });
  ctx.metrics.reconnects.inc({ namespace: ns, recovered: String(socket.recovered) });
  socket.onAny((event: string) => ctx.metrics.eventsIn.inc({ namespace: ns, event }));
  socket.on("disconnect", () => {
    ctx.metrics.socketsConnected.dec({ namespace: ns });
    // Tracked as in flight so a graceful shutdown waits for it before closing Redis.
    void services.inflight.run(() => services.presence.disconnected(userId, socket.id)).catch((err) => ctx.log.warn({ err }, "presence update failed"));
  });

  socket.on("HEARTBEAT", (_payload, ack) => {
    if (typeof ack === "function") ack({ ok: true, ts: new Date().toISOString() });
  });

  // Rooms come from current memberships on every connect. A recovered socket gets its old
  // rooms back, which may be stale: a group joined or left while it was away.
  const rooms = [userRoom(userId)];
  if (ns === "groups") {
    const groups = await services.models.Group.find({ "members.user_id": userId }, { _id: 1 }).lean();
    rooms.push(...groups.map((g) => conversationRoom(g._id)));
  }
  for (const room of socket.rooms) {
    if (room.startsWith("conv:") && !rooms.includes(room)) await socket.leave(room);
  }
  await socket.join(rooms);

  await services.presence.connected(userId, socket.id);
  // It may have gone while we were awaiting; its disconnect handler ran before the add.
  if (socket.disconnected) await services.presence.disconnected(userId, socket.id);
  if (ns === "couples") {
    const partnerId = await services.couples.partnerOf(userId);
    if (partnerId) socket.emit("user_presence_update", await services.presence.statusOf(partnerId));
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
