// The Fanout over Socket.IO: the adapter (in memory, or Redis in a cluster) carries every
// emit and room change to the nodes where the sockets are.
import type { Server } from "socket.io";
import type { Fanout } from "./fanout.ts";
import { NAMESPACES } from "./notifier.ts";

export function socketFanout(io: Server): Fanout {
  return {
    emit(ns, rooms, event, payload, exceptRooms) {
      let target = io.of(`/${ns}`).to(rooms);
      if (exceptRooms?.length) target = target.except(exceptRooms);
      target.emit(event, payload);
    },
    join(ns, members, room) {
      io.of(`/${ns}`).in(members).socketsJoin(room);
    },
    leave(ns, members, room) {
      io.of(`/${ns}`).in(members).socketsLeave(room);
    },
    disconnect(room, event, payload) {
      for (const ns of NAMESPACES) {
        const sockets = io.of(`/${ns}`).in(room);
        sockets.emit(event, payload);
        sockets.disconnectSockets(true);
      }
    },
    localSockets() {
      const entries: { userId: string; socketId: string }[] = [];
      for (const ns of NAMESPACES) {
        for (const socket of io.of(`/${ns}`).sockets.values()) entries.push({ userId: socket.data.userId, socketId: socket.id });
      }
      return entries;
    },
  };
}
