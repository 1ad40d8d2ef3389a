// The development sender: a push is one log line, nothing leaves the server. Used for every
// push with PUSH_SENDER=log (the whole payload is logged: that is what it is for), and for
// FCM subscriptions when no service account is set (then without the preview: a production
// server must not write message text to its logs because a client registered an FCM token).
import type { Logger } from "../infra/logger.ts";
import type { PushSender } from "./push-sender.ts";

export function logSender(log: Logger, opts: { withPreview: boolean }): PushSender {
  return {
    name: "log",
    async send(sub, message) {
      const { preview, ...rest } = message.payload;
      const payload = opts.withPreview ? message.payload : { ...rest, preview: preview === undefined ? undefined : "[not logged]" };
      log.info({ push: { subscription: sub.id, user: sub.user_id, type: sub.type, ttl: message.ttlSec, urgency: message.urgency, payload } }, "push (log sender: not sent)");
      return { result: "delivered" };
    },
  };
}
