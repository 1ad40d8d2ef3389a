// What the services need from the realtime transport to reach devices: emit to rooms, move
// sockets between rooms, end a session's sockets, list this node's sockets. The Socket.IO
// implementation (./socket-fanout.ts) carries each call to every node through the adapter;
// a service-tier test gives the services a recording one instead, and no sockets exist.
import type { NamespaceName } from "./notifier.ts";

export interface Fanout {
  /** Emits to every socket in any of `rooms` of the namespace, on every node, except those in any of `exceptRooms`. */
  emit(ns: NamespaceName, rooms: string[], event: string, payload: unknown, exceptRooms?: string[]): void;
  /** Makes every socket in any of `members` (on every node) join `room`. */
  join(ns: NamespaceName, members: string[], room: string): void;
  leave(ns: NamespaceName, members: string[], room: string): void;
  /** Sends `event` to the sockets in `room` in every namespace, then disconnects them. */
  disconnect(room: string, event: string, payload: unknown): void;
  /** This node's sockets (presence keeps their entries alive). */
  localSockets(): { userId: string; socketId: string }[];
}
