// Who hears about an event, and what each device is sent (Tinode's rule: a push only to a
// recipient with no live session). For each candidate recipient, cheapest check first:
//  1. a member of the conversation (a reaction's author may have left the group), not the actor;
//  2. has push subscriptions at all (one query for everyone: most users have none);
//  3. no connected device anywhere in the cluster (presence store count = 0);
//  4. has not muted the conversation, unless the message mentions them;
//  5. has not blocked the actor (the hook for when blocking exists);
//  6. each subscription's session is still live (logged out or expired: pruned here).
// Then one deliver job per remaining device, with the recipient's unread total as badge.
import type { SessionRepository } from "../auth/session.repository.ts";
import type { ConversationRepository, MemberRecord } from "../messaging/conversation.repository.ts";
import type { PresenceStore } from "../presence/presence-store.ts";
import type { UserRepository } from "../users/user.repository.ts";
import type { PushMetrics } from "./push-metrics.ts";
import { collapseKeyOf, displayName, type PushKind, type PushPayload } from "./push-payload.ts";
import type { DeliverJob, PushEvent, PushJob } from "./push-jobs.ts";
import type { PushSubscriptionRecord, PushSubscriptionRepository } from "./push-subscription.repository.ts";
import { randomUUID } from "node:crypto";

/** Whether `recipientId` blocked `senderId`. Blocking does not exist yet: the default says no. */
export type BlockedHook = (recipientId: string, senderId: string) => Promise<boolean>;

export interface PushFanoutDeps {
  conversations: Pick<ConversationRepository, "members">;
  users: Pick<UserRepository, "byId">;
  sessions: Pick<SessionRepository, "sessions">;
  subscriptions: Pick<PushSubscriptionRepository, "ofUsers" | "remove">;
  presence: Pick<PresenceStore, "count">;
  /** The badge: the user's unread messages over all conversations (read-state service). */
  unreadTotal(userId: string): Promise<number>;
  isBlocked: BlockedHook;
  metrics: PushMetrics;
  now?: () => number;
}

export function createPushFanout(d: PushFanoutDeps) {
  const now = d.now ?? Date.now;

  async function senderName(event: PushEvent): Promise<string> {
    if (event.sender.display_name) return displayName(event.sender.display_name);
    return displayName((await d.users.byId(event.sender.id))?.display_name ?? "Someone");
  }

  /** Candidates with their member record (null outside a conversation: a partner request). */
  async function candidates(event: PushEvent): Promise<Map<string, MemberRecord | null>> {
    const wanted = event.kind === "message" ? null : new Set([event.recipient_id]);
    if (event.kind === "partner_request") return new Map([[event.recipient_id, null]]);
    const members = await d.conversations.members(event.conversation.key);
    const found = new Map<string, MemberRecord | null>();
    for (const m of members) if (!wanted || wanted.has(m.user_id)) found.set(m.user_id, m);
    if (wanted && found.size === 0) d.metrics.skipped("not_member");
    return found;
  }

  function kindFor(event: PushEvent, userId: string): PushKind {
    return event.kind === "message" && event.mentions.includes(userId) ? "mention" : event.kind;
  }

  /** False when the recipient should not get this push (the reason is counted). */
  async function wants(event: PushEvent, userId: string, member: MemberRecord | null): Promise<boolean> {
    if ((await d.presence.count(userId)) > 0) return skip("online");
    const mutedUntil = member?.muted_until;
    if (mutedUntil && mutedUntil.getTime() > now() && kindFor(event, userId) !== "mention") return skip("muted");
    if (await d.isBlocked(userId, event.sender.id)) return skip("blocked");
    return true;
  }

  function skip(reason: Parameters<PushMetrics["skipped"]>[0]): false {
    d.metrics.skipped(reason);
    return false;
  }

  /** Drops subscriptions whose session ended (logout removes them at once; expiry and pruning do not). */
  async function liveOnly(subs: PushSubscriptionRecord[]): Promise<PushSubscriptionRecord[]> {
    const sessions = new Map((await d.sessions.sessions([...new Set(subs.map((s) => s.session_id))])).map((s) => [s.id, s]));
    const t = now();
    const live: PushSubscriptionRecord[] = [];
    for (const sub of subs) {
      const s = sessions.get(sub.session_id);
      if (s && !s.revoked_at && s.expires_at.getTime() > t && s.user_id === sub.user_id) live.push(sub);
      else if (await d.subscriptions.remove(sub.id)) d.metrics.pruned("session_ended");
    }
    return live;
  }

  function payloadFor(event: PushEvent, userId: string, sender: string, badge: number): PushPayload {
    const conversation = event.kind === "partner_request" ? null : event.conversation;
    const preview = "preview" in event ? event.preview : undefined;
    return {
      kind: kindFor(event, userId),
      conversation_id: conversation?.public_id ?? null,
      conversation_type: conversation?.type ?? null,
      sender: { id: event.sender.id, display_name: sender },
      ...(preview ? { preview } : {}),
      badge,
      collapse_key: collapseKeyOf(conversation ? conversation.key : `partner_request:${event.sender.id}`),
    };
  }

  return {
    /** The deliver jobs for one event: one per device that should hear about it. */
    async plan(event: PushEvent): Promise<PushJob[]> {
      const members = await candidates(event);
      members.delete(event.sender.id); // never for your own actions
      if (members.size === 0) return [];
      const subs = await d.subscriptions.ofUsers([...members.keys()]);
      if (subs.length === 0) return [];
      const byUser = new Map<string, PushSubscriptionRecord[]>();
      for (const s of subs) byUser.set(s.user_id, [...(byUser.get(s.user_id) ?? []), s]);
      const sender = await senderName(event);
      const jobs = await Promise.all(
        [...byUser].map(async ([userId, own]): Promise<DeliverJob[]> => {
          if (!(await wants(event, userId, members.get(userId) ?? null))) return [];
          const live = await liveOnly(own);
          if (live.length === 0) return [];
          const payload = payloadFor(event, userId, sender, await d.unreadTotal(userId));
          const created_at = now();
          return live.map((s) => ({ type: "deliver", id: randomUUID(), attempt: 1, subscription_id: s.id, user_id: userId, payload, created_at }));
        }),
      );
      return jobs.flat();
    },
  };
}

export type PushFanout = ReturnType<typeof createPushFanout>;
