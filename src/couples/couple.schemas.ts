import { z } from "../shared/zod.ts";
import { ObjectIdString } from "../users/user.schemas.ts";

export const CoupleChatId = z.string().regex(/^[0-9a-f]{24}_[0-9a-f]{24}$/, "must be a couple chat id (<user id>_<user id>)");
export const ChatMode = z.enum(["normal", "fight", "incognito"]);

export const PartnerRequestBody = z.strictObject({ recipient_id: ObjectIdString }).openapi("PartnerRequestCreate");
export const RespondBody = z.strictObject({ action: z.enum(["accept", "reject"]) }).openapi("PartnerRequestRespond");
export const RequestIdParams = z.object({ id: ObjectIdString });
export const CreateChatBody = z.strictObject({ recipient_id: ObjectIdString }).openapi("ChatCreate");
export const ChatIdParams = z.object({ id: CoupleChatId });
export const ChatMessageParams = z.object({ id: CoupleChatId, messageId: z.string().regex(/^[0-9a-f]{24}$/, "must be a message id") });

export const ChangeModeEvent = z.strictObject({ chat_id: CoupleChatId, mode: ChatMode });
export const ThinkingOfYouEvent = z.strictObject({ recipient_user_id: ObjectIdString });
