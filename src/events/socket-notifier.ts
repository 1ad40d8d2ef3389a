// The Notifier over Socket.IO: durable events are appended to the event log first (so a
// client that misses the emit can still sync it), then emitted with their stream position.
import type { Server } from "socket.io";
import type { ServerEventName } from "../../handlers/events.ts";
import type { EventLog } from "./event-log.service.ts";
import { conversationRoom, userRoom, type EventData, type NamespaceName, type Notifier, type NotifyOptions } from "./notifier.ts";

export function createSocketNotifier(io: Server, log: EventLog, conversationKeyOf: (ns: NamespaceName, id: string) => string): Notifier {
  async function withMeta<E extends ServerEventName>(
    ns: NamespaceName,
    event: E,
    data: EventData<E>,
    opts: NotifyOptions | undefined,
    address: { conversationKey?: string; userIds?: string[] },
  ) {
    if (opts?.durable === false) return { ...data };
    const meta = await log.append({ type: event, ns, ...address, payload: data as Record<string, unknown> });
    return { ...data, meta };
  }

  function emit(ns: NamespaceName, rooms: string[], event: string, payload: unknown, exceptUserId?: string) {
    let target = io.of(`/${ns}`).to(rooms);
    if (exceptUserId) target = target.except(userRoom(exceptUserId));
    target.emit(event, payload);
  }

  return {
    async toUsers(ns, userIds, event, data, opts) {
      if (userIds.length === 0) return;
      const payload = await withMeta(ns, event, data, opts, { userIds });
      emit(ns, userIds.map(userRoom), event, payload, opts?.exceptUserId);
    },
    async toConversation(ns, conversationId, event, data, opts) {
      const payload = await withMeta(ns, event, data, opts, { conversationKey: conversationKeyOf(ns, conversationId) });
      emit(ns, [conversationRoom(conversationId)], event, payload, opts?.exceptUserId);
    },
  };
}
