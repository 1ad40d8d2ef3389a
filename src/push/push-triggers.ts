// The events that may become pushes, as the services that cause them call them. Each call
// queues one small fan-out job and returns at once: never on a send's ack path (nothing is
// awaited; a queue failure is logged and counted, never thrown at the caller). Who actually
// gets a push is decided later by a worker (push-fanout.ts).
import type { Message, MessageKind, PartnerRequest } from "../contract/models.ts";
import { coupleChatId, coupleKey } from "../couples/couple.policy.ts";
import { groupKey } from "../groups/group.policy.ts";
import type { Logger } from "../infra/logger.ts";
import type { ConversationRef } from "../messaging/conversation-policy.ts";
import { fanoutJob, type PushConversation, type PushEvent, type PushJob } from "./push-jobs.ts";
import type { PushMetrics } from "./push-metrics.ts";
import { messagePreview, PREVIEW_MAX_CHARS, truncate } from "./push-payload.ts";

export interface PushTriggers {
  /** A new message in a conversation (stored or incognito), by `message.sender`. */
  message(ref: ConversationRef, message: Message): void;
  /** `reactor` toggled a reaction on `message`; `emoji` is the reaction there now (none: it was taken back, no push). */
  reaction(ref: ConversationRef, message: { sender_id: string; text: string; kind: MessageKind }, reactor: { id: string; card: { display_name: string } }, emoji: string | null | undefined): void;
  /** The thinking-of-you ping from one partner to the other. */
  thinkingOfYou(from: { id: string; display_name: string }, toUserId: string): void;
  partnerRequest(request: PartnerRequest): void;
  /** `memberId` was added to the group by `inviterId`. */
  groupInvite(groupId: string, inviterId: string, memberId: string): void;
}

export const noPushTriggers: PushTriggers = {
  message() {},
  reaction() {},
  thinkingOfYou() {},
  partnerRequest() {},
  groupInvite() {},
};

export interface PushTriggerDeps {
  enqueue(jobs: PushJob[]): Promise<void>;
  /** PUSH_INCLUDE_PREVIEW: false keeps every message text out of pushes (and out of the queue). */
  includePreview: boolean;
  metrics: PushMetrics;
  log: Logger;
}

const conversationOf = (ref: ConversationRef): PushConversation => ({ key: ref.key, type: ref.type, public_id: ref.publicId });

export function createPushTriggers(d: PushTriggerDeps): PushTriggers {
  function queue(event: PushEvent) {
    const job = fanoutJob(event);
    d.enqueue([job]).catch((err: unknown) => {
      d.metrics.enqueueFailed();
      d.log.error({ err, kind: event.kind }, "push not queued (lost)");
    });
  }
  const preview = (text: string | undefined) => (d.includePreview && text ? { preview: text } : {});

  return {
    message(ref, m) {
      // Incognito couple messages are never stored: their text must not be stored in a queue or shown on a lock screen either.
      const text = m.mode === "incognito" ? undefined : messagePreview(m.text, m.kind);
      queue({ kind: "message", conversation: conversationOf(ref), sender: { id: m.sender.id, display_name: m.sender.display_name }, ...preview(text), mentions: m.mentions ?? [] });
    },
    reaction(ref, m, reactor, emoji) {
      if (!emoji || m.sender_id === reactor.id) return;
      const quoted = messagePreview(m.text, m.kind);
      const text = truncate(quoted ? `${emoji} “${quoted}”` : emoji, PREVIEW_MAX_CHARS);
      queue({ kind: "reaction", conversation: conversationOf(ref), sender: { id: reactor.id, display_name: reactor.card.display_name }, recipient_id: m.sender_id, ...preview(text) });
    },
    thinkingOfYou(from, toUserId) {
      const chatId = coupleChatId(from.id, toUserId);
      queue({ kind: "thinking_of_you", conversation: { key: coupleKey(chatId), type: "couple", public_id: chatId }, sender: { id: from.id, display_name: from.display_name }, recipient_id: toUserId });
    },
    partnerRequest(r) {
      queue({ kind: "partner_request", sender: { id: r.sender.id, display_name: r.sender.display_name }, recipient_id: r.recipient.id });
    },
    groupInvite(groupId, inviterId, memberId) {
      if (inviterId === memberId) return;
      queue({ kind: "group_invite", conversation: { key: groupKey(groupId), type: "group", public_id: groupId }, sender: { id: inviterId }, recipient_id: memberId });
    },
  };
}
