// The message events all three namespaces share. The namespace decides the policy (who
// may read, post, delete); everything else is the same code path as the REST routes.
import type { ConversationPolicy } from "../src/messaging/conversation-policy.ts";
import { ChatIdEvent, DeleteMessageEvent, EditMessageEvent, MarkReadEvent, SendMessageEvent, ToggleReactionEvent } from "../src/messaging/message.schemas.ts";
import type { Services } from "../src/services.ts";
import type { Guard } from "./socket-guard.ts";
import type { ChatSocket } from "./socket-auth.ts";

export function registerMessageEvents(socket: ChatSocket, handle: Guard, s: Services, policy: ConversationPolicy) {
  const userId = () => socket.data.userId;
  const actor = () => s.actorOf(userId());

  handle("send_message", SendMessageEvent, async ({ chat_id, ...input }) => {
    const ref = await policy.resolve(chat_id, userId(), "post");
    return s.inflight.run(async () => s.messages.send(ref, await actor(), input));
  });

  handle("edit_message", EditMessageEvent, async ({ chat_id, message_id, text }) => {
    const ref = await policy.resolve(chat_id, userId(), "read");
    return { message: await s.inflight.run(async () => s.messages.edit(ref, await actor(), message_id, text)) };
  });

  handle("delete_message", DeleteMessageEvent, async ({ chat_id, message_id }) => {
    const ref = await policy.resolve(chat_id, userId(), "read");
    return { message: await s.inflight.run(async () => s.messages.remove(ref, await actor(), message_id)) };
  });

  handle("toggle_reaction", ToggleReactionEvent, async ({ chat_id, message_id, emoji }) => {
    const ref = await policy.resolve(chat_id, userId(), "read");
    return s.inflight.run(async () => s.messages.toggleReaction(ref, await actor(), message_id, emoji));
  });

  handle("start_typing", ChatIdEvent, async ({ chat_id }) => {
    const ref = await policy.resolve(chat_id, userId(), "read");
    await s.typing.start(ref, (await actor()).card);
  });

  handle("stop_typing", ChatIdEvent, async ({ chat_id }) => {
    const ref = await policy.resolve(chat_id, userId(), "read");
    await s.typing.stop(ref, (await actor()).card);
  });

  handle("mark_read", MarkReadEvent, async ({ chat_id, seq }) => {
    const ref = await policy.resolve(chat_id, userId(), "read");
    return s.inflight.run(() => s.readStates.markRead(ref, userId(), seq));
  });
}
