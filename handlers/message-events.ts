// The message events all three namespaces share. The namespace decides the policy (who
// may read, post, delete); everything else is the same code path as the REST routes.
// The table is built once per policy (not per socket); each handler gets its socket.
import { SocketAuthEvent } from "../src/auth/auth.schemas.ts";
import type { ConversationPolicy } from "../src/messaging/conversation-policy.ts";
import { AppError } from "../src/shared/errors.ts";
import { ChatIdEvent, DeleteMessageEvent, EditMessageEvent, MarkReadEvent, SendMessageEvent, ToggleReactionEvent } from "../src/messaging/message.schemas.ts";
import type { Services } from "../src/services.ts";
import { event, type EventTable, type Guard } from "./socket-guard.ts";
import type { ChatSocket } from "./socket-auth.ts";
import { watchTokenExpiry } from "./token-expiry.ts";

const tables = new WeakMap<ConversationPolicy, EventTable>();

export function registerMessageEvents(socket: ChatSocket, guard: Guard, s: Services, policy: ConversationPolicy) {
  guard.attach(socket, messageEvents(s, policy));
}

/** The shared message events under one policy, built once. */
export function messageEvents(s: Services, policy: ConversationPolicy): EventTable {
  let table = tables.get(policy);
  if (!table) tables.set(policy, (table = buildMessageEvents(s, policy)));
  return table;
}

function buildMessageEvents(s: Services, policy: ConversationPolicy): EventTable {
  const actor = (socket: ChatSocket) => s.actorOf(socket.data.userId);

  return {
    send_message: event(SendMessageEvent, async ({ chat_id, ...input }, socket) => {
      const ref = await policy.resolve(chat_id, socket.data.userId, "post");
      return s.inflight.run(async () => s.messages.send(ref, await actor(socket), input));
    }),

    edit_message: event(EditMessageEvent, async ({ chat_id, message_id, text }, socket) => {
      const ref = await policy.resolve(chat_id, socket.data.userId, "read");
      return { message: await s.inflight.run(async () => s.messages.edit(ref, await actor(socket), message_id, text)) };
    }),

    delete_message: event(DeleteMessageEvent, async ({ chat_id, message_id }, socket) => {
      const ref = await policy.resolve(chat_id, socket.data.userId, "read");
      return { message: await s.inflight.run(async () => s.messages.remove(ref, await actor(socket), message_id)) };
    }),

    toggle_reaction: event(ToggleReactionEvent, async ({ chat_id, message_id, emoji }, socket) => {
      const ref = await policy.resolve(chat_id, socket.data.userId, "read");
      return s.inflight.run(async () => s.messages.toggleReaction(ref, await actor(socket), message_id, emoji));
    }),

    start_typing: event(ChatIdEvent, async ({ chat_id }, socket) => {
      const ref = await policy.resolve(chat_id, socket.data.userId, "read");
      await s.typing.start(ref, (await actor(socket)).card);
    }),

    stop_typing: event(ChatIdEvent, async ({ chat_id }, socket) => {
      const ref = await policy.resolve(chat_id, socket.data.userId, "read");
      await s.typing.stop(ref, (await actor(socket)).card);
    }),

    // A socket outlives its access token only by presenting a fresh one of the same session
    // (handlers/token-expiry.ts).
    auth: event(SocketAuthEvent, async ({ token }, socket) => {
      const claims = s.tokens.verifyAccess(token);
      if (claims.sub !== socket.data.userId || claims.sid !== socket.data.sessionId) throw new AppError("forbidden", "token: belongs to another session");
      if (!(await s.sessionCheck.isLive(claims.sid, claims.sub))) throw new AppError("token_revoked", "This session has been revoked (logged out)");
      socket.data.tokenExpiresAt = claims.exp * 1000;
      watchTokenExpiry(socket);
      return { expires_at: new Date(socket.data.tokenExpiresAt).toISOString() };
    }),

    mark_read: event(MarkReadEvent, async ({ chat_id, seq }, socket) => {
      const ref = await policy.resolve(chat_id, socket.data.userId, "read");
      return s.inflight.run(() => s.readStates.markRead(ref, socket.data.userId, seq));
    }),
  };
}
