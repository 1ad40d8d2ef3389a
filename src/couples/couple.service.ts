// Couples: partner requests, the link between two users and its end (break-up), their one
// chat (read-only history once they broke up), its mode, and the thinking-of-you ping.
import type { ChatMode, PartnerRequest } from "../contract/models.ts";
import type { Notifier } from "../events/notifier.ts";
import type { ConversationRepository } from "../messaging/conversation.repository.ts";
import type { ConversationRef } from "../messaging/conversation-policy.ts";
import type { ReadStateService } from "../messaging/read-state.service.ts";
import type { PushTriggers } from "../push/push-triggers.ts";
import { unreadFields, type UserUnread } from "../messaging/unread.ts";
import { AppError, badRequest, forbidden, notFound } from "../shared/errors.ts";
import { cardFor, type BlockCheck } from "../safety/block-check.ts";
import { newId } from "../shared/ids.ts";
import { toUserPublic } from "../users/user.dto.ts";
import type { UserRepository } from "../users/user.repository.ts";
import type { PartnerRequestRecord, PartnerRequestRepository } from "./partner-request.repository.ts";
import { coupleChatId, coupleKey, partnersNow } from "./couple.policy.ts";

/** The most couple chats GET /api/chats lists: the current one and past ones (read-only). */
const MAX_CHATS = 50;

export interface CoupleDeps {
  users: UserRepository;
  partnerRequests: PartnerRequestRepository;
  conversations: ConversationRepository;
  notifier: Notifier;
  readStates: ReadStateService;
  /** Told after users' partner_id may have changed (the cached user facts of presence). */
  onPartnersChanged?: (userIds: string[]) => void;
  /** Pushes to members with no device connected (src/push/push-triggers.ts); returns at once. */
  push?: PushTriggers;
  /** No partner request across a block; no mood on the cards of a blocked member (src/safety). */
  blocks?: BlockCheck;
}

export function createCoupleService(d: CoupleDeps) {
  async function toRequestDto(r: PartnerRequestRecord): Promise<PartnerRequest> {
    const users = await d.users.byIds([r.sender_id, r.recipient_id]);
    const card = (id: string) => {
      const u = users.find((x) => x.id === id);
      if (!u) throw notFound("User");
      return toUserPublic(u);
    };
    return { id: r.id, sender: card(r.sender_id), recipient: card(r.recipient_id), status: r.status, created_at: r.created_at.toISOString() };
  }

  async function ensureChat(a: string, b: string) {
    const chatId = coupleChatId(a, b);
    const members = [a, b].sort().map((user_id) => ({ user_id, role: "member" as const }));
    const { conversation } = await d.conversations.ensure({ key: coupleKey(chatId), type: "couple", public_id: chatId, mode: "normal", created_at: new Date() }, members);
    return conversation;
  }

  async function partnerOf(userId: string): Promise<string | null> {
    const u = await d.users.byId(userId);
    if (!u) throw notFound("User");
    return u.partner_id;
  }

  /**
   * Ends the partnership of `userId` (either partner may): both links are cleared (one
   * transaction on SQLite; on MongoDB see UserRepository.unlinkPartners), the cached facts
   * forgotten on every node (presence stops), and both told live with `partner_unlinked`.
   * Their chat stays, read-only (couple.policy.ts). Each is free to send requests again.
   */
  async function breakUp(userId: string): Promise<{ partner_id: string; chat_id: string | null }> {
    const partner = await partnerOf(userId);
    if (!partner) throw new AppError("conflict", "You are not in a partnership");
    let cleared: boolean;
    try {
      cleared = await d.users.unlinkPartners(userId, partner);
    } finally {
      d.onPartnersChanged?.([userId, partner]);
    }
    const chatId = coupleChatId(userId, partner);
    const chat_id = (await d.conversations.byKey(coupleKey(chatId))) ? chatId : null;
    // Both partners breaking up at once: the one whose call cleared the link tells them.
    if (cleared) {
      await d.notifier.toUsers("couples", [userId], "partner_unlinked", { partner_id: partner, chat_id, ended_by: userId });
      await d.notifier.toUsers("couples", [partner], "partner_unlinked", { partner_id: userId, chat_id, ended_by: userId });
    }
    return { partner_id: partner, chat_id };
  }

  async function link(a: string, b: string) {
    try {
      const result = await d.users.linkPartners(a, b);
      if (result === "a_taken") throw badRequest("You are already in a partnership");
      if (result === "b_taken") throw badRequest("The other user is already in a partnership");
    } finally {
      d.onPartnersChanged?.([a, b]);
    }
  }

  return {
    partnerOf,
    breakUp,

    /**
     * After `blockerId` blocked `blockedId` (src/safety: the block service's hook): a request
     * pending between them is cancelled, and if they were partners, they break up.
     */
    async blocked(blockerId: string, blockedId: string) {
      for (let i = 0; i < 2; i++) {
        const pending = await d.partnerRequests.pendingBetween(blockerId, blockedId);
        if (!pending) break;
        await d.partnerRequests.transition(pending.id, "pending", "cancelled", new Date());
      }
      if ((await partnerOf(blockerId)) === blockedId) await breakUp(blockerId);
    },

    async request(senderId: string, recipientId: string): Promise<PartnerRequest> {
      if (senderId === recipientId) throw badRequest("recipient_id: you cannot partner with yourself");
      const [sender, recipient] = await Promise.all([d.users.byId(senderId), d.users.byId(recipientId)]);
      if (!sender) throw notFound("User");
      if (!recipient) throw notFound("Recipient");
      await d.blocks?.assertNotBlocked(senderId, recipientId);
      if (sender.partner_id) throw badRequest("You are already in a partnership");
      if (recipient.partner_id) throw badRequest("recipient_id: that user is already in a partnership");
      if (await d.partnerRequests.pendingBetween(senderId, recipientId)) throw badRequest("A partner request between you two already exists");
      const created = await d.partnerRequests.create({ id: newId(), sender_id: senderId, recipient_id: recipientId, created_at: new Date() });
      const dto = await toRequestDto(created);
      await d.notifier.toUsers("couples", [recipientId], "partner_request", { request: dto });
      d.push?.partnerRequest(dto);
      return dto;
    },

    async listRequests(userId: string) {
      const rows = await d.partnerRequests.pendingOf(userId);
      const dtos = await Promise.all(rows.map(toRequestDto));
      return { incoming: dtos.filter((r) => r.recipient.id === userId), outgoing: dtos.filter((r) => r.sender.id === userId) };
    },

    async respond(userId: string, requestId: string, action: "accept" | "reject") {
      const req = await d.partnerRequests.byId(requestId);
      if (!req || req.recipient_id !== userId) throw notFound("Partner request");
      if (req.status !== "pending") throw badRequest(`This request was already ${req.status}`);
      if (action === "reject") {
        // Only from pending: an accept that won a race with this reject stands.
        if (!(await d.partnerRequests.transition(req.id, "pending", "rejected", new Date()))) throw badRequest("This request was already answered");
        await d.notifier.toUsers("couples", [req.sender_id], "partner_request", { request: await toRequestDto({ ...req, status: "rejected" }) });
        return;
      }
      // A block cancels the requests between the two; this covers an accept racing that block.
      await d.blocks?.assertNotBlocked(req.sender_id, req.recipient_id);
      if (!(await d.partnerRequests.transition(req.id, "pending", "accepted", new Date()))) throw badRequest("This request was already answered");
      try {
        await link(req.recipient_id, req.sender_id);
      } catch (err) {
        await d.partnerRequests.transition(req.id, "accepted", "cancelled", new Date());
        throw err;
      }
      // Both are taken now: their other pending requests can never be accepted.
      const both = [req.sender_id, req.recipient_id];
      await d.partnerRequests.cancelPendingOf(both, new Date());
      const chat = await ensureChat(req.sender_id, req.recipient_id);
      const users = await d.users.byIds(both);
      for (const u of users) {
        const other = users.find((x) => x.id !== u.id)!;
        await d.notifier.toUsers("couples", [u.id], "partner_linked", { partner: toUserPublic(other), chat_id: chat.public_id });
      }
    },

    /** The couple's chat, created on first call; 403 unless the recipient is the caller's partner. */
    async openChat(userId: string, recipientId: string) {
      const partner = await partnerOf(userId);
      if (partner !== recipientId) throw forbidden("recipient_id: is not your partner");
      const chat = await ensureChat(userId, recipientId);
      return this.describeChat(chat.key, userId);
    },

    async myChat(userId: string, unread?: UserUnread) {
      const partner = await partnerOf(userId);
      if (!partner) return null;
      const conv = await d.conversations.byKey(coupleKey(coupleChatId(userId, partner)));
      return conv ? this.describeChat(conv.key, userId, unread) : null;
    },

    /**
     * GET /api/chats: the caller's couple chats, the open one (with the partner) first, then
     * past ones closed by a break-up (most recent activity first), and the unread total over
     * all conversations (one read for both).
     */
    async listChats(userId: string) {
      const unread = await d.readStates.unreadOf(userId);
      const rows = await d.conversations.listOf(userId, "couple", MAX_CHATS);
      const chats = await Promise.all(rows.map((r) => this.describeChat(r.conversation.key, userId, unread)));
      // Stable: the open chat moves to the front, the closed ones keep their order.
      chats.sort((x, y) => Number(x.closed) - Number(y.closed));
      return { chats, unread_total: unread.total };
    },

    /** The chat as its member `userId` sees it; `unread` when the caller has read it already. */
    async describeChat(key: string, userId: string, unread?: UserUnread) {
      const conv = await d.conversations.byKey(key);
      if (!conv) throw notFound("Chat");
      const [members, state] = await Promise.all([d.conversations.members(key), unread ?? d.readStates.unreadOf(userId)]);
      const users = await d.users.byIds(members.map((m) => m.user_id));
      const mine = members.find((m) => m.user_id === userId);
      const [a, b] = conv.public_id.split("_") as [string, string];
      return {
        id: conv.public_id,
        type: "couple" as const,
        members: await Promise.all(users.map((u) => cardFor(d.blocks, userId, toUserPublic(u)))),
        closed: !partnersNow(users, a, b),
        mode: (conv.mode ?? "normal") as ChatMode,
        last_seq: conv.last_seq,
        read_seq: mine?.read_seq ?? 0,
        ...unreadFields(state.byKey.get(key)),
        read_positions: Object.fromEntries(members.map((m) => [m.user_id, m.read_seq])),
        last_message_at: conv.last_message_at?.toISOString() ?? null,
        created_at: conv.created_at.toISOString(),
      };
    },

    async changeMode(ref: ConversationRef, userId: string, mode: ChatMode) {
      await d.conversations.setMode(ref.key, mode);
      await d.notifier.toConversation(ref, "chat_mode_changed", { conversation_id: ref.publicId, mode, changed_by: userId });
      return { chat_id: ref.publicId, mode };
    },

    async thinkingOfYou(userId: string, recipientId: string) {
      const partner = await partnerOf(userId);
      if (partner !== recipientId) throw forbidden("recipient_user_id: is not your partner");
      const me = await d.users.byId(userId);
      await d.notifier.toUsers("couples", [recipientId], "thinking_of_you_received", { from: toUserPublic(me!), at: new Date().toISOString() });
      d.push?.thinkingOfYou(me!, recipientId);
    },
  };
}

export type CoupleService = ReturnType<typeof createCoupleService>;
