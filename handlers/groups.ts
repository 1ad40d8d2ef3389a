// /groups: the shared message events, under the group policy (members only; admins may
// delete). Membership itself changes over REST (src/http/groups.router.ts).
import { messageEvents, type MessageEventDeps } from "./message-events.ts";
import type { EventSpec } from "./socket-pipeline.ts";

export function groupEvents(d: MessageEventDeps): EventSpec[] {
  return messageEvents(d);
}
