// REST paths per conversation kind (the server's routers: src/http/couples.router.ts,
// groups.router.ts, dm.router.ts), and the mapping between namespaces and kinds.
import type { ConversationType } from "../../src/contract/models.ts";

/** A Socket.IO namespace of the server, without its slash. */
export type Namespace = "couples" | "groups" | "dm";

/** Every namespace, in the order the client opens them. */
export const NAMESPACES: readonly Namespace[] = ["couples", "groups", "dm"];

/** The namespace of each conversation kind. */
export const NS_OF_TYPE: Readonly<Record<ConversationType, Namespace>> = { couple: "couples", group: "groups", dm: "dm" };

/** The conversation kind of each namespace. */
export const TYPE_OF_NS: Readonly<Record<Namespace, ConversationType>> = { couples: "couple", groups: "group", dm: "dm" };

/** The history routes of one conversation: `latest` (newest N) and `history` (paged by seq). */
export interface HistoryPaths {
  latest: string;
  history: string;
}

/** History routes of a conversation in a namespace. */
export function historyPaths(ns: Namespace, id: string): HistoryPaths {
  const e = encodeURIComponent(id);
  if (ns === "couples") return { latest: `/api/chats/${e}/messages/latest`, history: `/api/chats/${e}/messages` };
  if (ns === "groups") return { latest: `/api/messages/${e}/latest`, history: `/api/messages/${e}/history` };
  return { latest: `/api/dm/${e}/latest`, history: `/api/dm/${e}/history` };
}

/** The key a conversation is known by inside the client: `<ns>/<id>`. */
export const conversationKey = (ns: Namespace, id: string): string => `${ns}/${id}`;
