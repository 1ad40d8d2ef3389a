// The message events all three namespaces share. The namespace decides the policy (who
// may read, post, delete) that the `access` step resolves `chat_id` under; everything
// else is the same service call as the REST routes (src/http/conversation-messages.routes.ts).
// What the others see (edit, react, typing) is `write`: refused in a couple chat closed by a
// break-up (chat_closed) and a DM across a block (blocked); deleting one's own stays `read`.
import { SocketAuthEvent } from "../src/auth/auth.schemas.ts";
import type { SessionCheck } from "../src/auth/session-check.ts";
import type { TokenService } from "../src/auth/token.service.ts";
import type { MessageService } from "../src/messaging/message.service.ts";
import { ChatIdEvent, DeleteMessageEvent, EditMessageEvent, MarkReadEvent, SendMessageEvent, ToggleReactionEvent } from "../src/messaging/message.schemas.ts";
import type { ReadStateService } from "../src/messaging/read-state.service.ts";
import type { TypingService } from "../src/messaging/typing.service.ts";
import { AppError } from "../src/shared/errors.ts";
import { on, type EventSpec } from "./socket-pipeline.ts";
import { watchTokenExpiry } from "./token-expiry.ts";

export interface MessageEventDeps {
  messages: MessageService;
  readStates: ReadStateService;
  typing: TypingService;
  tokens: TokenService;
  sessionCheck: SessionCheck;
}

export function messageEvents(d: MessageEventDeps): EventSpec[] {
  return [
    on("send_message", SendMessageEvent, { access: "post", actor: true }, ({ chat_id: _, ...input }, { ref, actor }) => d.messages.send(ref, actor, input)),

    on("edit_message", EditMessageEvent, { access: "write", actor: true }, async ({ message_id, text }, { ref, actor }) => ({
      message: await d.messages.edit(ref, actor, message_id, text),
    })),

    on("delete_message", DeleteMessageEvent, { access: "read", actor: true }, async ({ message_id }, { ref, actor }) => ({
      message: await d.messages.remove(ref, actor, message_id),
    })),

    on("toggle_reaction", ToggleReactionEvent, { access: "write", actor: true }, ({ message_id, emoji }, { ref, actor }) =>
      d.messages.toggleReaction(ref, actor, message_id, emoji),
    ),

    on("start_typing", ChatIdEvent, { access: "write", actor: true }, (_input, { ref, actor }) => d.typing.start(ref, actor.card)),

    // `read`: ending an indicator is always allowed (one started before a block or break-up ends at once).
    on("stop_typing", ChatIdEvent, { access: "read", actor: true }, (_input, { ref, actor }) => d.typing.stop(ref, actor.card)),

    on("mark_read", MarkReadEvent, { access: "read" }, ({ seq }, { ref, caller }) => d.readStates.markRead(ref, caller.userId, seq)),

    // A socket outlives its access token only by presenting a fresh one of the same session
    // (handlers/token-expiry.ts).
    on("auth", SocketAuthEvent, {}, async ({ token }, { socket }) => {
      const claims = d.tokens.verifyAccess(token);
      if (claims.sub !== socket.data.userId || claims.sid !== socket.data.sessionId) throw new AppError("forbidden", "token: belongs to another session");
      if (!(await d.sessionCheck.isLive(claims.sid, claims.sub))) throw new AppError("token_revoked", "This session has been revoked (logged out)");
      socket.data.tokenExpiresAt = claims.exp * 1000;
      watchTokenExpiry(socket);
      return { expires_at: new Date(socket.data.tokenExpiresAt).toISOString() };
    }),
  ];
}
