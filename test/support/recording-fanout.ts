// An in-memory Fanout (src/events/fanout.ts) for the service tier: no sockets exist, so
// every call the services make to reach devices is recorded, in order, for the test to
// assert: which event went to which rooms of which namespace, who joined or left a room,
// which session was ended.
import type { ServerEventName, ServerEventPayload } from "../../src/contract/events.ts";
import type { Fanout } from "../../src/events/fanout.ts";
import type { NamespaceName } from "../../src/events/notifier.ts";

export interface EmitCall<P = unknown> {
  kind: "emit";
  ns: NamespaceName;
  rooms: string[];
  event: string;
  payload: P;
  /** Rooms whose sockets are left out (none: an empty list). */
  exceptRooms: string[];
}
export interface MembershipCall {
  kind: "join" | "leave";
  ns: NamespaceName;
  members: string[];
  room: string;
}
export interface DisconnectCall {
  kind: "disconnect";
  room: string;
  event: string;
  payload: unknown;
}
export type FanoutCall = EmitCall | MembershipCall | DisconnectCall;

export class RecordingFanout implements Fanout {
  /** Every call, oldest first. */
  readonly calls: FanoutCall[] = [];
  /** What localSockets() answers (presence); empty unless a test sets it. */
  sockets: { userId: string; socketId: string }[] = [];

  emit(ns: NamespaceName, rooms: string[], event: string, payload: unknown, exceptRooms?: string[]): void {
    this.calls.push({ kind: "emit", ns, rooms: [...rooms], event, payload, exceptRooms: [...(exceptRooms ?? [])] });
  }
  join(ns: NamespaceName, members: string[], room: string): void {
    this.calls.push({ kind: "join", ns, members: [...members], room });
  }
  leave(ns: NamespaceName, members: string[], room: string): void {
    this.calls.push({ kind: "leave", ns, members: [...members], room });
  }
  disconnect(room: string, event: string, payload: unknown): void {
    this.calls.push({ kind: "disconnect", room, event, payload });
  }
  localSockets() {
    return [...this.sockets];
  }

  /** The emits of `event` (optionally only those addressed to `room`), typed by the event contract. */
  emitted<E extends ServerEventName>(event: E, opts: { room?: string } = {}): EmitCall<ServerEventPayload<E>>[] {
    return this.calls.filter(
      (c): c is EmitCall<ServerEventPayload<E>> => c.kind === "emit" && c.event === event && (opts.room === undefined || c.rooms.includes(opts.room)),
    );
  }
  /** Every emitted event name, in order (a quick look at what a call fanned out). */
  events(): string[] {
    return this.calls.flatMap((c) => (c.kind === "emit" ? [c.event] : []));
  }
  joins(room?: string): MembershipCall[] {
    return this.calls.filter((c): c is MembershipCall => c.kind === "join" && (room === undefined || c.room === room));
  }
  leaves(room?: string): MembershipCall[] {
    return this.calls.filter((c): c is MembershipCall => c.kind === "leave" && (room === undefined || c.room === room));
  }
  disconnects(): DisconnectCall[] {
    return this.calls.filter((c): c is DisconnectCall => c.kind === "disconnect");
  }
  /** Forgets what was recorded so far (call before the step a test asserts on). */
  clear(): void {
    this.calls.length = 0;
  }
}
