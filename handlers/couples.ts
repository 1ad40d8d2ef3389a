// /couples namespace.
import type { Services } from "../src/services.ts";
import type { HandlerContext } from "./index.ts";
import type { ChatSocket } from "./socket-auth.ts";

export function registerCouples(_socket: ChatSocket, _services: Services, _ctx: HandlerContext) {}
