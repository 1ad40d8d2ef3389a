// How services tell connected clients what changed. The service that changed the data
// calls the notifier; the notifier records durable events in the user's event stream
// (so a client that was away can catch up with /api/events/sync) and emits them through
// the Fanout (./fanout.ts: Socket.IO, whose adapter carries them to every node).
// Implementation: ./event-notifier.ts.
import type { ServerEventName, ServerEventPayload } from "../contract/events.ts";

export const NAMESPACES = ["couples", "groups", "dm"] as const;
export type NamespaceName = (typeof NAMESPACES)[number];

export interface NotifyOptions {
  /** Durable events get an event_seq and are replayable via sync; ephemeral ones (typing, presence) are not. */
  durable?: boolean;
  /** Sockets of this user do not get the emit (e.g. typing indicators are not echoed to the typist). */
  exceptUserId?: string;
  /** Nor do these users' (typing in a group is not shown across a block). */
  exceptUserIds?: readonly string[];
}

/** Enough of a conversation to address it: groups have a room, two-party chats use the members' rooms. */
export interface ConversationTarget {
  ns: NamespaceName;
  key: string;
  publicId: string;
  type: "couple" | "group" | "dm";
  memberIds: string[];
}

export type EventData<E extends ServerEventName> = Omit<ServerEventPayload<E>, "meta">;

export interface Notifier {
  toUsers<E extends ServerEventName>(ns: NamespaceName, userIds: string[], event: E, data: EventData<E>, opts?: NotifyOptions): Promise<void>;
  toConversation<E extends ServerEventName>(
    target: ConversationTarget,
    event: E,
    data: EventData<E>,
    opts?: NotifyOptions,
  ): Promise<void>;
  /** Makes every socket of these users, on every node, join (or leave) a group's room. */
  joinConversation(target: ConversationTarget, userIds: string[]): void;
  leaveConversation(target: ConversationTarget, userIds: string[]): void;
  /** Tells every socket of a session, on every node, that it ended, and disconnects them. */
  endSession(sessionId: string, reason: "session_revoked"): void;
}

export const conversationRoom = (conversationId: string) => `conv:${conversationId}`;
export const userRoom = (userId: string) => `user:${userId}`;
/** Every socket of one login (session), on every node: how a revoked session's sockets are found. */
export const sessionRoom = (sessionId: string) => `session:${sessionId}`;
