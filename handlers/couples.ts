// /couples: the shared message events plus the partner-only ones.
import type { CoupleService } from "../src/couples/couple.service.ts";
import { ChangeModeEvent, ThinkingOfYouEvent } from "../src/couples/couple.schemas.ts";
import { messageEvents, type MessageEventDeps } from "./message-events.ts";
import { on, type EventSpec } from "./socket-pipeline.ts";

export function coupleEvents(d: MessageEventDeps & { couples: CoupleService }): EventSpec[] {
  return [
    ...messageEvents(d),

    on("ping_thinking_of_you", ThinkingOfYouEvent, {}, ({ recipient_user_id }, { caller }) => d.couples.thinkingOfYou(caller.userId, recipient_user_id)),

    on("change_chat_mode", ChangeModeEvent, { access: "write" }, ({ mode }, { ref, caller }) => d.couples.changeMode(ref, caller.userId, mode)),
  ];
}
