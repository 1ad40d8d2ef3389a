// What every namespace does when a socket connects: join the user's room (and, once
// messaging exists, the rooms of the user's conversations), tell the client its stream
// position, and keep the metrics.
import type { NamespaceName } from "../src/events/notifier.ts";
import { userRoom } from "../src/events/notifier.ts";
import type { Services } from "../src/services.ts";
import type { HandlerContext } from "./index.ts";
import type { ChatSocket } from "./socket-auth.ts";

export async function onConnect(ns: NamespaceName, socket: ChatSocket, services: Services, ctx: HandlerContext) {
  const { userId } = socket.data;
  ctx.metrics.socketsConnected.inc({ namespace: ns });
  ctx.metrics.reconnects.inc({ namespace: ns, recovered: String(socket.recovered) });
  socket.on("disconnect", () => ctx.metrics.socketsConnected.dec({ namespace: ns }));
  socket.onAny((event: string) => ctx.metrics.eventsIn.inc({ namespace: ns, event }));

  // A recovered socket already has its rooms back; a fresh one joins them now.
  if (!socket.recovered) await socket.join(userRoom(userId));

  socket.on("HEARTBEAT", (_payload, ack) => {
    if (typeof ack === "function") ack({ ok: true, ts: new Date().toISOString() });
  });

  // Sent on every connect so that even a client that never received another event has an
  // offset to recover from, and knows where its event stream stands.
  socket.emit("session", {
    user_id: userId,
    recovered: socket.recovered,
    epoch: await services.eventLog.epoch(),
    last_event_seq: await services.eventLog.lastSeq(),
  });
}
