// /couples: the shared message events plus the partner-only ones (one table, built once).
import { ChangeModeEvent, ThinkingOfYouEvent } from "../src/couples/couple.schemas.ts";
import type { Services } from "../src/services.ts";
import type { HandlerContext } from "./index.ts";
import { messageEvents } from "./message-events.ts";
import type { ChatSocket } from "./socket-auth.ts";
import { event, type EventTable, type Guard } from "./socket-guard.ts";

const tables = new WeakMap<Services, EventTable>();

export function registerCouples(socket: ChatSocket, guard: Guard, s: Services, _ctx: HandlerContext) {
  let table = tables.get(s);
  if (!table) tables.set(s, (table = coupleEvents(s)));
  guard.attach(socket, table);
}

function coupleEvents(s: Services): EventTable {
  return {
    ...messageEvents(s, s.policies.couple),

    ping_thinking_of_you: event(ThinkingOfYouEvent, async ({ recipient_user_id }, socket) => {
      await s.couples.thinkingOfYou(socket.data.userId, recipient_user_id);
    }),

    change_chat_mode: event(ChangeModeEvent, async ({ chat_id, mode }, socket) => {
      const ref = await s.policies.couple.resolve(chat_id, socket.data.userId, "read");
      return s.couples.changeMode(ref, socket.data.userId, mode);
    }),
  };
}
