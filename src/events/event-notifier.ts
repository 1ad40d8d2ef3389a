// The Notifier: durable events are appended to the event log first (so a client that
// misses the emit can still sync it), then emitted with their stream position.
import type { ServerEventName } from "../contract/events.ts";
import type { EventLog } from "./event-log.service.ts";
import type { Fanout } from "./fanout.ts";
import { conversationRoom, sessionRoom, userRoom, type EventData, type NamespaceName, type Notifier, type NotifyOptions } from "./notifier.ts";

export function createNotifier(d: { fanout: Fanout; eventLog: EventLog; onEmit?: (ns: NamespaceName, event: string) => void }): Notifier {
  async function withMeta<E extends ServerEventName>(
    ns: NamespaceName,
    event: E,
    data: EventData<E>,
    opts: NotifyOptions | undefined,
    address: { conversationKey?: string; userIds?: string[] },
  ) {
    if (opts?.durable === false) return { ...data };
    const meta = await d.eventLog.append({ type: event, ns, ...address, payload: data as Record<string, unknown> });
    return { ...data, meta };
  }

  function emit(ns: NamespaceName, rooms: string[], event: string, payload: unknown, opts: NotifyOptions | undefined) {
    const except = [...(opts?.exceptUserId ? [opts.exceptUserId] : []), ...(opts?.exceptUserIds ?? [])];
    d.fanout.emit(ns, rooms, event, payload, except.length ? except.map(userRoom) : undefined);
    d.onEmit?.(ns, event);
  }

  return {
    async toUsers(ns, userIds, event, data, opts) {
      if (userIds.length === 0) return;
      const payload = await withMeta(ns, event, data, opts, { userIds });
      emit(ns, userIds.map(userRoom), event, payload, opts);
    },
    async toConversation(target, event, data, opts) {
      const payload = await withMeta(target.ns, event, data, opts, { conversationKey: target.key });
      // A group is a room its members' sockets join; a couple chat or DM has exactly two
      // members, so their user rooms reach every device without any room bookkeeping.
      const rooms = target.type === "group" ? [conversationRoom(target.publicId)] : target.memberIds.map(userRoom);
      emit(target.ns, rooms, event, payload, opts);
    },
    joinConversation(target, userIds) {
      if (target.type !== "group" || userIds.length === 0) return;
      d.fanout.join(target.ns, userIds.map(userRoom), conversationRoom(target.publicId));
    },
    leaveConversation(target, userIds) {
      if (target.type !== "group" || userIds.length === 0) return;
      d.fanout.leave(target.ns, userIds.map(userRoom), conversationRoom(target.publicId));
    },
    endSession(sessionId, reason) {
      d.fanout.disconnect(sessionRoom(sessionId), "session_ended", { reason });
    },
  };
}
