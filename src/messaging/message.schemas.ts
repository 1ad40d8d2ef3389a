// Message payloads for REST and sockets. One set of schemas, so both transports refuse
// the same input with the same message; the response shapes describe src/contract/events.ts
// `Message` (checked at compile time) for the OpenAPI document.
import type { Message, Reaction } from "../contract/models.ts";
import { chars, freeText, httpUrl, isoDateTime, queryInt, sameShape, SentTimestamp, trimmedText, z } from "../shared/zod.ts";
import { EMOJI_MAX_LENGTH, EMOJI_MESSAGE, isReactionEmoji } from "../shared/text-rules.ts";

export const MessageKind = z.enum(["text", "image", "video", "audio", "document", "sticker"]);
export const MAX_TEXT = 4000;
const MEDIA_TYPES = ["image", "video", "audio", "document"] as const;
const SafeInt = z.number().int().max(Number.MAX_SAFE_INTEGER);

export const MediaInput = z
  .strictObject({
    original: httpUrl(2048).or(z.string().regex(/^\/media\/[A-Za-z0-9/_.-]+$/, "must be a URL returned by POST /api/uploads")),
    preview: chars(0, 2048).nullable().optional(),
    thumbnail: chars(0, 2048).nullable().optional(),
    type: z.enum(MEDIA_TYPES),
    bytes: SafeInt.nonnegative().optional(),
    width: SafeInt.positive().optional(),
    height: SafeInt.positive().optional(),
    duration: z.number().nonnegative().optional(),
  })
  .openapi("Media", { description: "What POST /api/uploads returned: only the sender's own uploads are accepted" });

export const StickerInput = z
  .strictObject({ pack_id: chars(1, 64), sticker_id: chars(1, 64), url: chars(1, 2048) })
  .openapi("Sticker", { description: "A sticker of GET /api/stickers/packs, with its url" });

export const ClientMessageId = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9_.:-]+$/, "may contain letters, digits and _ . : - only");

export const MessageIdParam = z.string().regex(/^[0-9a-f]{24}$/, "must be a 24-character message id");

const MessageContent = z.strictObject({
  client_message_id: ClientMessageId.optional(),
  text: freeText(MAX_TEXT).default(""),
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

export const SendMessageBody = MessageContent.superRefine(checkKind).openapi("SendMessage", {
  description:
    "By kind: `text` (the default) needs text with a non-space character; `image`, `video`, `audio` and `document` need `media` of that type; " +
    "`sticker` needs `sticker`, which no other kind may carry. `media` must be the sender's own upload, `sticker` a sticker that exists, " +
    "`reply_to_message_id` a message of this conversation: otherwise 400. Idempotent on `client_message_id` (generated when absent).",
});
export type SendMessageBody = z.infer<typeof SendMessageBody>;

/** Socket form: the conversation is named in the payload and the idempotency key is required. */
export const SendMessageEvent = MessageContent.extend({ chat_id: z.string().min(1).max(200), client_message_id: ClientMessageId }).superRefine(checkKind);

export const EditMessageBody = z.strictObject({ text: trimmedText("free", 1, MAX_TEXT) }).openapi("EditMessage");
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

/** How many messages a client may ask for; the server returns at most HISTORY_MAX_PAGE of them. */
export const PAGE_REQUEST_MAX = 1000;

const pageSize = (maxPage: number, name: string) =>
  `${name}: up to ${PAGE_REQUEST_MAX} may be asked for; at most ${maxPage} (this server's HISTORY_MAX_PAGE) are returned, a larger value is read as ${maxPage}`;

/** The page queries of the message routes, documenting this server's page cap. */
export function pageQueries(maxPage: number) {
  const LatestQuery = z.strictObject({
    count: queryInt({ min: 1, max: PAGE_REQUEST_MAX, description: pageSize(maxPage, "How many of the newest messages") }).default(50),
  });
  const HistoryQuery = z
    .strictObject({
      limit: queryInt({ min: 1, max: PAGE_REQUEST_MAX, description: pageSize(maxPage, "Page size") }).default(50),
      before_timestamp: isoDateTime().optional().openapi({ description: "Messages created before this instant (at most one of before_timestamp, before_seq, after_seq)" }),
      before_seq: queryInt({ min: 1, description: "Messages with a lower seq (at most one of before_timestamp, before_seq, after_seq)" }).optional(),
      after_seq: queryInt({ min: 0, description: "Messages with a higher seq (at most one of before_timestamp, before_seq, after_seq)" }).optional(),
    })
    .refine((q) => [q.before_timestamp, q.before_seq, q.after_seq].filter((v) => v !== undefined).length <= 1, {
      message: "give at most one of before_timestamp, before_seq, after_seq",
    });
  return { LatestQuery, HistoryQuery };
}

/** The exact timestamp of the by-ts routes. */
export const MessageTimestampParam = isoDateTime();

export const ChatIdEvent = z.strictObject({ chat_id: z.string().min(1).max(200) });
export const EditMessageEvent = z.strictObject({ chat_id: z.string().min(1).max(200), message_id: MessageIdParam, text: EditMessageBody.shape.text });
export const DeleteMessageEvent = z.strictObject({ chat_id: z.string().min(1).max(200), message_id: MessageIdParam });
export const ToggleReactionEvent = z.strictObject({ chat_id: z.string().min(1).max(200), message_id: MessageIdParam, emoji: ReactionBody.shape.emoji });
export const MarkReadEvent = z.strictObject({ chat_id: z.string().min(1).max(200), seq: SafeInt.min(0) });
export const MarkReadBody = z.strictObject({ seq: SafeInt.min(0) }).openapi("MarkRead");

// What the server sends (src/contract/events.ts). Response shapes are strict: the document
// lists every field, and a field the server sends without documenting it is a failure.
const Sender = z
  .strictObject({ id: z.string(), username: z.string(), display_name: z.string(), avatar_url: z.string().nullable() })
  .openapi("MessageSender", { description: "The sender's card as it was when the message was sent" });
const MediaOut = z
  .strictObject({
    original: z.string(),
    preview: z.string().nullable().optional(),
    thumbnail: z.string().nullable().optional(),
    type: z.enum(MEDIA_TYPES),
    bytes: z.number().int().optional(),
    width: z.number().int().optional(),
    height: z.number().int().optional(),
    duration: z.number().optional(),
  })
  .openapi("MessageMedia");
const StickerRef = z.strictObject({ pack_id: z.string(), sticker_id: z.string(), url: z.string() }).openapi("StickerRef");
const AnyKind = z.enum([...MessageKind.options, "system"]);
export const ReactionSchema = z.strictObject({ emoji: z.string(), at: SentTimestamp, user_id: z.string(), username: z.string() }).openapi("MessageReaction");
export const Reactions = z.record(z.string(), ReactionSchema).openapi({ description: "user id → that user's reaction" });
export const ReactionSummary = z.record(z.string(), z.number().int().min(1)).openapi({ description: "emoji → how many users reacted with it" });

export const MessageSchema = z
  .strictObject({
    id: z.string(),
    conversation_id: z.string(),
    conversation_type: z.enum(["couple", "group", "dm"]),
    seq: z.number().int().min(1).nullable().openapi({ description: "Per conversation, strictly increasing with no gaps; null only for incognito messages" }),
    client_message_id: z.string(),
    sender: Sender,
    text: z.string(),
    kind: AnyKind,
    media: MediaOut.nullable(),
    sticker: StickerRef.nullable(),
    reply_to: z
      .strictObject({ message_id: z.string(), sender: Sender, text: z.string(), timestamp: SentTimestamp, kind: AnyKind, media: MediaOut.nullable() })
      .nullable()
      .openapi({ description: "A snapshot of the quoted message (text cut at 500 characters)" }),
    edited: z.boolean(),
    last_edited_at: SentTimestamp.nullable(),
    edits: z.array(z.strictObject({ text: z.string(), edited_at: SentTimestamp })).openapi({ description: "Previous texts, oldest first" }),
    deleted: z.boolean().openapi({ description: "A tombstone: it keeps id, seq, sender and timestamps, and nothing of its content" }),
    deleted_at: SentTimestamp.nullable(),
    reactions: Reactions,
    mentions: z
      .array(z.string())
      .openapi({ description: "In a group: the members its `@username` tokens name (user ids, in text order, no duplicates, never the sender; others are ignored). Elsewhere, and once deleted, empty" }),
    mode: z.enum(["normal", "fight", "incognito"]).nullable().openapi({ description: "The couple chat's mode when it was sent; null elsewhere" }),
    created_at: SentTimestamp,
  })
  .openapi("Message");
sameShape<z.output<typeof MessageSchema>, Message>();
sameShape<z.output<typeof ReactionSchema>, Reaction>();

const messageLists = new Map<number, z.ZodType>();
/** A page of messages, at most HISTORY_MAX_PAGE long. */
export function messageList(maxPage: number): z.ZodType {
  let list = messageLists.get(maxPage);
  if (!list) messageLists.set(maxPage, (list = z.strictObject({ messages: z.array(MessageSchema).max(maxPage) }).openapi("MessageList")));
  return list;
}

export const ReactionResult = z
  .strictObject({ conversation_id: z.string(), message_id: z.string(), reactions: Reactions, summary: ReactionSummary })
  .openapi("ReactionResult");
export const ReadResult = z.strictObject({ chat_id: z.string(), seq: z.number().int().min(0) }).openapi("ReadPosition", { description: "The caller's read position now (it never moves backwards)" });
