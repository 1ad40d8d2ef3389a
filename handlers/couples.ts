// /couples: the shared message events plus the partner-only ones.
import { ChangeModeEvent, ThinkingOfYouEvent } from "../src/couples/couple.schemas.ts";
import type { Services } from "../src/services.ts";
import type { HandlerContext } from "./index.ts";
import { registerMessageEvents } from "./message-events.ts";
import type { ChatSocket } from "./socket-auth.ts";
import type { Guard } from "./socket-guard.ts";

export function registerCouples(socket: ChatSocket, handle: Guard, s: Services, _ctx: HandlerContext) {
  registerMessageEvents(socket, handle, s, s.policies.couple);

  handle("ping_thinking_of_you", ThinkingOfYouEvent, async ({ recipient_user_id }) => {
    await s.couples.thinkingOfYou(socket.data.userId, recipient_user_id);
  });

  handle("change_chat_mode", ChangeModeEvent, async ({ chat_id, mode }) => {
    const ref = await s.policies.couple.resolve(chat_id, socket.data.userId, "read");
    return s.couples.changeMode(ref, socket.data.userId, mode);
  });
}
