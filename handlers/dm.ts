// /dm: the shared message events, under the DM policy (only the two participants).
import { messageEvents, type MessageEventDeps } from "./message-events.ts";
import type { EventSpec } from "./socket-pipeline.ts";

export function dmEvents(d: MessageEventDeps): EventSpec[] {
  return messageEvents(d);
}
