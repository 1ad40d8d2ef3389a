// Every server event, live on a socket or from a sync page, goes through `handle`, so the
// two paths cannot disagree: messages to their conversation (dedupe, order, gap check),
// presence, unread and typing to the views, then the event to the app's listeners, once.
import type { ServerEventPayload } from "../../src/contract/events.ts";
import type { CatchUp } from "./catch-up.ts";
import type { Conversation, Presence } from "./conversation-view.ts";
import type { Emitter } from "./emitter.ts";
import type { Namespace } from "./paths.ts";
import type { ChatClientEvents, EventContext } from "./types.ts";

/** What the router needs from the client. */
export interface EventRouterDeps {
  catchUp: CatchUp;
  emitter: Emitter<ChatClientEvents>;
  conversation(ns: Namespace, id: string): Conversation;
  conversations(): Iterable<Conversation>;
  presence: Map<string, Presence>;
  /** `unread_update`: the server's numbers for one conversation and the total. */
  unreadUpdate(u: ServerEventPayload<"unread_update">): void;
  session(ns: Namespace, s: ServerEventPayload<"session">): void;
  /** `session_ended`: revoked (log in again) or expired (refresh, then reconnect). */
  sessionEnded(reason: ServerEventPayload<"session_ended">["reason"]): void;
}

/** The event handler of one client; see the file comment. */
export function createEventRouter(d: EventRouterDeps) {
  /** Every server event, live or from a sync page, goes through here. */
  function handle(ns: Namespace, event: string, payload: unknown, via: "live" | "sync", eventSeq?: number) {
    const p = payload as { meta?: { event_seq: number; epoch: string } } | undefined;
    let fresh = true;
    if (via === "live" && p?.meta) fresh = d.catchUp.live(ns, p.meta);
    if (via === "sync" && eventSeq !== undefined && d.catchUp.seenLive(eventSeq)) fresh = false;
    switch (event) {
      case "session":
        return d.session(ns, payload as ServerEventPayload<"session">);
      case "new_message": {
        const { message } = payload as ServerEventPayload<"new_message">;
        const c = d.conversation(ns, message.conversation_id);
        c.accept(message, via);
        if (via === "live") d.catchUp.hole(c);
        break;
      }
      case "message_updated":
      case "message_deleted": {
        const { message } = payload as ServerEventPayload<"message_updated">;
        d.conversation(ns, message.conversation_id).update(message, via);
        break;
      }
      case "message_reaction_update": {
        const r = payload as ServerEventPayload<"message_reaction_update">;
        d.conversation(ns, r.conversation_id).reactions(r.message_id, r.reactions, via);
        break;
      }
      case "typing_indicator": {
        const t = payload as ServerEventPayload<"typing_indicator">;
        if (via === "live") d.conversation(ns, t.conversation_id).typingIndicator(t.user_id, t.username, t.is_typing);
        break;
      }
      case "user_presence_update": {
        const u = payload as ServerEventPayload<"user_presence_update">;
        d.presence.set(u.user_id, { status: u.status, last_seen: u.last_seen, mood: u.mood });
        for (const c of d.conversations()) c.presenceChanged(u.user_id);
        break;
      }
      case "unread_update": {
        d.unreadUpdate(payload as ServerEventPayload<"unread_update">);
        break;
      }
      case "group_updated": {
        const { group } = payload as ServerEventPayload<"group_updated">;
        d.conversation("groups", group.id).setMembers(group.members.map((m) => m.user_id));
        break;
      }
      case "group_member_removed": {
        const p = payload as ServerEventPayload<"group_member_removed">;
        const c = d.conversation("groups", p.group_id);
        if (c.members.delete(p.user_id) && c.memberCount !== null) c.memberCount--;
        break;
      }
      case "session_ended": {
        const { reason } = payload as ServerEventPayload<"session_ended">;
        d.sessionEnded(reason);
        break;
      }
      case "error": {
        const e = payload as ServerEventPayload<"error">;
        d.emitter.emit("error", { ...e, source: "server" });
        return;
      }
    }
    if (fresh) (d.emitter as unknown as Emitter<{ [k: string]: (p: unknown, ctx: EventContext) => void }>).emit(event, payload, { ns, via });
  }

  return handle;
}
