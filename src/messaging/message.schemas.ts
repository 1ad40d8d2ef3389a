// Message payloads for REST and sockets. One set of schemas, so both transports refuse
// the same input with the same message.
import { z } from "../shared/zod.ts";
import { EMOJI_MAX_LENGTH, EMOJI_MESSAGE, FREE_TEXT_MESSAGE, isReactionEmoji, isSafeFreeText } from "../shared/text-rules.ts";

export const MessageKind = z.enum(["text", "image", "video", "audio", "document", "sticker"]);
export const MAX_TEXT = 4000;

export const MediaInput = z
  .strictObject({
    original: z.url({ protocol: /^https?$/ }).or(z.string().regex(/^\/media\/[A-Za-z0-9/_.-]+$/, "must be a URL returned by POST /api/uploads")),
    preview: z.string().max(2048).nullable().optional(),
    thumbnail: z.string().max(2048).nullable().optional(),
    type: z.enum(["image", "video", "audio", "document"]),
    bytes: z.number().int().nonnegative().optional(),
    width: z.number().int().positive().optional(),
    height: z.number().int().positive().optional(),
    duration: z.number().nonnegative().optional(),
  })
  .openapi("Media");

export const StickerInput = z
  .strictObject({ pack_id: z.string().min(1).max(64), sticker_id: z.string().min(1).max(64), url: z.string().min(1).max(2048) })
  .openapi("Sticker");

export const ClientMessageId = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9_.:-]+$/, "may contain letters, digits and _ . : - only");

const MessageContent = z.strictObject({
  client_message_id: ClientMessageId.optional(),
  text: z.string().max(MAX_TEXT, `must be at most ${MAX_TEXT} characters`).refine(isSafeFreeText, FREE_TEXT_MESSAGE).default(""),
  kind: MessageKind.default("text"),
  media: MediaInput.nullable().optional(),
  sticker: StickerInput.nullable().optional(),
  reply_to_message_id: z.string().regex(/^[0-9a-f]{24}$/, "must be a message id").nullable().optional(),
});

function checkKind(m: z.infer<typeof MessageContent>, ctx: z.RefinementCtx) {
  if (m.kind === "text" && m.text.trim() === "") ctx.addIssue({ code: "custom", path: ["text"], message: "must not be empty for a text message" });
  if (m.kind === "sticker" && !m.sticker) ctx.addIssue({ code: "custom", path: ["sticker"], message: "is required for a sticker message" });
  if (["image", "video", "audio", "document"].includes(m.kind)) {
    if (!m.media) ctx.addIssue({ code: "custom", path: ["media"], message: `is required for a ${m.kind} message` });
    else if (m.media.type !== m.kind) ctx.addIssue({ code: "custom", path: ["media", "type"], message: `must be ${m.kind} for a ${m.kind} message` });
  }
  if (m.kind !== "sticker" && m.sticker) ctx.addIssue({ code: "custom", path: ["sticker"], message: "is only allowed on sticker messages" });
}

export const SendMessageBody = MessageContent.superRefine(checkKind).openapi("SendMessage");
export type SendMessageBody = z.infer<typeof SendMessageBody>;

/** Socket form: the conversation is named in the payload and the idempotency key is required. */
export const SendMessageEvent = MessageContent.extend({ chat_id: z.string().min(1).max(200), client_message_id: ClientMessageId }).superRefine(checkKind);

export const EditMessageBody = z.strictObject({ text: z.string().trim().min(1, "must not be empty").max(MAX_TEXT).refine(isSafeFreeText, FREE_TEXT_MESSAGE) }).openapi("EditMessage");
// The emoji becomes a key of the reaction summary and travels in every reaction event: it
// is validated as what it is, one emoji or a `:shortcode:` (see shared/text-rules.ts).
export const ReactionEmoji = z
  .string()
  .trim()
  .min(1)
  .max(EMOJI_MAX_LENGTH)
  .refine(isReactionEmoji, EMOJI_MESSAGE)
  .openapi({ example: "👍", description: "One emoji grapheme, or :shortcode: of [a-z0-9_+-]{1,32}" });
export const ReactionBody = z.strictObject({ emoji: ReactionEmoji }).openapi("Reaction");

export const MessageIdParam = z.string().regex(/^[0-9a-f]{24}$/, "must be a 24-character message id");

export const LatestQuery = z.object({ count: z.coerce.number().int().min(1).max(1000).default(50) });
export const HistoryQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(1000).default(50),
    before_timestamp: z.iso.datetime({ offset: true }).optional(),
    before_seq: z.coerce.number().int().min(1).optional(),
    after_seq: z.coerce.number().int().min(0).optional(),
  })
  .refine((q) => [q.before_timestamp, q.before_seq, q.after_seq].filter((v) => v !== undefined).length <= 1, {
    message: "give at most one of before_timestamp, before_seq, after_seq",
  });
export type HistoryQuery = z.infer<typeof HistoryQuery>;

export const ChatIdEvent = z.strictObject({ chat_id: z.string().min(1).max(200) });
export const EditMessageEvent = z.strictObject({ chat_id: z.string().min(1).max(200), message_id: MessageIdParam, text: EditMessageBody.shape.text });
export const DeleteMessageEvent = z.strictObject({ chat_id: z.string().min(1).max(200), message_id: MessageIdParam });
export const ToggleReactionEvent = z.strictObject({ chat_id: z.string().min(1).max(200), message_id: MessageIdParam, emoji: ReactionBody.shape.emoji });
export const MarkReadEvent = z.strictObject({ chat_id: z.string().min(1).max(200), seq: z.number().int().min(0) });

export const MessageSchema = z.object({}).passthrough().openapi("Message", { description: "See handlers/events.ts `Message`" });
export const MessageList = z.object({ messages: z.array(MessageSchema) }).openapi("MessageList");
