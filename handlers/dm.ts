// /dm: the shared message events, with the DM policy (only the two participants).
import type { Services } from "../src/services.ts";
import type { HandlerContext } from "./index.ts";
import { registerMessageEvents } from "./message-events.ts";
import type { ChatSocket } from "./socket-auth.ts";
import type { Guard } from "./socket-guard.ts";

export function registerDm(socket: ChatSocket, guard: Guard, s: Services, _ctx: HandlerContext) {
  registerMessageEvents(socket, guard, s, s.policies.dm);
}
