// Couples: partner requests, the link between two users, their one chat, its mode,
// and the thinking-of-you ping.
import { Types } from "mongoose";
import type { ChatMode, PartnerRequest } from "../../handlers/events.ts";
import type { Notifier } from "../events/notifier.ts";
import type { ConversationModel } from "../messaging/conversation.model.ts";
import type { ConversationRef } from "../messaging/conversation-policy.ts";
import type { ReadStateService } from "../messaging/read-state.service.ts";
import { badRequest, forbidden, notFound } from "../shared/errors.ts";
import { toUserPublic } from "../users/user.dto.ts";
import type { UserModel } from "../users/user.model.ts";
import type { PartnerRequestDoc, PartnerRequestModel } from "./partner-request.model.ts";
import { coupleChatId, coupleKey } from "./couple.policy.ts";

export interface CoupleDeps {
  User: UserModel;
  PartnerRequest: PartnerRequestModel;
  Conversation: ConversationModel;
  notifier: Notifier;
  readStates: ReadStateService;
  /** Told after users' partner_id may have changed (the cached user facts of presence). */
  onPartnersChanged?: (userIds: string[]) => void;
}

export function createCoupleService(d: CoupleDeps) {
  async function toRequestDto(r: PartnerRequestDoc): Promise<PartnerRequest> {
    const users = await d.User.find({ _id: { $in: [r.sender_id, r.recipient_id] } }).lean();
    const card = (id: string) => {
      const u = users.find((x) => x._id.toString() === id);
      if (!u) throw notFound("User");
      return toUserPublic(u);
    };
    return { id: r._id.toString(), sender: card(r.sender_id), recipient: card(r.recipient_id), status: r.status, created_at: r.created_at.toISOString() };
  }

  async function ensureChat(a: string, b: string) {
    const chatId = coupleChatId(a, b);
    return d.Conversation.findOneAndUpdate(
      { _id: coupleKey(chatId) },
      { $setOnInsert: { type: "couple", public_id: chatId, member_ids: [a, b].sort(), last_seq: 0, mode: "normal", created_at: new Date() } },
      { upsert: true, returnDocument: "after" },
    ).lean();
  }

  async function partnerOf(userId: string): Promise<string | null> {
    const u = await d.User.findById(userId, { partner_id: 1 }).lean();
    if (!u) throw notFound("User");
    return u.partner_id ? u.partner_id.toString() : null;
  }

  async function link(a: string, b: string) {
    try {
      await claimBoth(a, b);
    } finally {
      d.onPartnersChanged?.([a, b]);
    }
  }

  async function claimBoth(a: string, b: string) {
    // No transactions: claim one side, then the other, and undo the first if the second is taken.
    const first = await d.User.updateOne({ _id: a, partner_id: null }, { $set: { partner_id: new Types.ObjectId(b) } });
    if (first.modifiedCount !== 1) throw badRequest("You are already in a partnership");
    const second = await d.User.updateOne({ _id: b, partner_id: null }, { $set: { partner_id: new Types.ObjectId(a) } });
    if (second.modifiedCount !== 1) {
      await d.User.updateOne({ _id: a, partner_id: new Types.ObjectId(b) }, { $set: { partner_id: null } });
      throw badRequest("The other user is already in a partnership");
    }
  }

  return {
    partnerOf,

    async request(senderId: string, recipientId: string): Promise<PartnerRequest> {
      if (senderId === recipientId) throw badRequest("recipient_id: you cannot partner with yourself");
      const [sender, recipient] = await Promise.all([d.User.findById(senderId).lean(), d.User.findById(recipientId).lean()]);
      if (!sender) throw notFound("User");
      if (!recipient) throw notFound("Recipient");
      if (sender.partner_id) throw badRequest("You are already in a partnership");
      if (recipient.partner_id) throw badRequest("recipient_id: that user is already in a partnership");
      const existing = await d.PartnerRequest.exists({
        status: "pending",
        $or: [
          { sender_id: senderId, recipient_id: recipientId },
          { sender_id: recipientId, recipient_id: senderId },
        ],
      });
      if (existing) throw badRequest("A partner request between you two already exists");
      const created = await d.PartnerRequest.create({ sender_id: senderId, recipient_id: recipientId, status: "pending" });
      const dto = await toRequestDto(created.toObject());
      await d.notifier.toUsers("couples", [recipientId], "partner_request", { request: dto });
      return dto;
    },

    async listRequests(userId: string) {
      const rows = await d.PartnerRequest.find({ status: "pending", $or: [{ sender_id: userId }, { recipient_id: userId }] }).sort({ created_at: -1 }).lean();
      const dtos = await Promise.all(rows.map(toRequestDto));
      return { incoming: dtos.filter((r) => r.recipient.id === userId), outgoing: dtos.filter((r) => r.sender.id === userId) };
    },

    async respond(userId: string, requestId: string, action: "accept" | "reject") {
      const req = await d.PartnerRequest.findOne({ _id: requestId, recipient_id: userId }).lean();
      if (!req) throw notFound("Partner request");
      if (req.status !== "pending") throw badRequest(`This request was already ${req.status}`);
      if (action === "reject") {
        await d.PartnerRequest.updateOne({ _id: req._id, status: "pending" }, { $set: { status: "rejected", responded_at: new Date() } });
        await d.notifier.toUsers("couples", [req.sender_id], "partner_request", { request: await toRequestDto({ ...req, status: "rejected" }) });
        return;
      }
      const claimed = await d.PartnerRequest.updateOne({ _id: req._id, status: "pending" }, { $set: { status: "accepted", responded_at: new Date() } });
      if (claimed.modifiedCount !== 1) throw badRequest("This request was already answered");
      try {
        await link(req.recipient_id, req.sender_id);
      } catch (err) {
        await d.PartnerRequest.updateOne({ _id: req._id }, { $set: { status: "cancelled" } });
        throw err;
      }
      // Both are taken now: their other pending requests can never be accepted.
      const both = [req.sender_id, req.recipient_id];
      await d.PartnerRequest.updateMany(
        { status: "pending", $or: [{ sender_id: { $in: both } }, { recipient_id: { $in: both } }] },
        { $set: { status: "cancelled", responded_at: new Date() } },
      );
      const chat = await ensureChat(req.sender_id, req.recipient_id);
      const users = await d.User.find({ _id: { $in: both } }).lean();
      for (const u of users) {
        const other = users.find((x) => x._id.toString() !== u._id.toString())!;
        await d.notifier.toUsers("couples", [u._id.toString()], "partner_linked", { partner: toUserPublic(other), chat_id: chat!.public_id });
      }
    },

    /** The couple's chat, created on first call; 403 unless the recipient is the caller's partner. */
    async openChat(userId: string, recipientId: string) {
      const partner = await partnerOf(userId);
      if (partner !== recipientId) throw forbidden("recipient_id: is not your partner");
      const chat = (await ensureChat(userId, recipientId))!;
      return this.describeChat(chat._id, userId);
    },

    async myChat(userId: string) {
      const partner = await partnerOf(userId);
      if (!partner) return null;
      const conv = await d.Conversation.findById(coupleKey(coupleChatId(userId, partner))).lean();
      return conv ? this.describeChat(conv._id, userId) : null;
    },

    async describeChat(key: string, userId: string) {
      const conv = await d.Conversation.findById(key).lean();
      if (!conv) throw notFound("Chat");
      const users = await d.User.find({ _id: { $in: conv.member_ids } }).lean();
      const unread = await d.readStates.unreadCounts(userId, [key]);
      const read = await d.readStates.positions(userId, [key]);
      const readPositions = await d.readStates.membersPositions(key, conv.member_ids);
      return {
        id: conv.public_id,
        type: "couple" as const,
        members: users.map(toUserPublic),
        mode: (conv.mode ?? "normal") as ChatMode,
        last_seq: conv.last_seq,
        read_seq: read.get(key) ?? 0,
        unread_count: unread.get(key) ?? 0,
        read_positions: readPositions,
        last_message_at: conv.last_message_at?.toISOString() ?? null,
        created_at: conv.created_at.toISOString(),
      };
    },

    async changeMode(ref: ConversationRef, userId: string, mode: ChatMode) {
      await d.Conversation.updateOne({ _id: ref.key }, { $set: { mode } });
      await d.notifier.toConversation(ref, "chat_mode_changed", { conversation_id: ref.publicId, mode, changed_by: userId });
      return { chat_id: ref.publicId, mode };
    },

    async thinkingOfYou(userId: string, recipientId: string) {
      const partner = await partnerOf(userId);
      if (partner !== recipientId) throw forbidden("recipient_user_id: is not your partner");
      const me = await d.User.findById(userId).lean();
      await d.notifier.toUsers("couples", [recipientId], "thinking_of_you_received", { from: toUserPublic(me!), at: new Date().toISOString() });
    },
  };
}

export type CoupleService = ReturnType<typeof createCoupleService>;
