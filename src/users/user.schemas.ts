// Request and response shapes for users, shared by REST validation and the OpenAPI document.
import { z } from "../shared/zod.ts";
import { isPlainName, NAME_TEXT_MESSAGE } from "../shared/text-rules.ts";

export const Phone = z
  .string()
  .regex(/^\+[1-9]\d{6,14}$/, "must be an E.164 phone number such as +14155550123")
  .openapi({ example: "+14155550123" });
export const Username = z
  .string()
  .regex(/^[a-z0-9_]{3,32}$/, "must be 3-32 characters of lowercase letters, digits or _")
  .openapi({ example: "alice" });
export const DisplayName = z.string().trim().min(1).max(64).refine(isPlainName, NAME_TEXT_MESSAGE);
export const Email = z.email().max(254);
export const Mood = z.string().trim().max(64);
export const BubbleColor = z.string().regex(/^#[0-9a-fA-F]{6}$/, "must be a colour like #aabbcc");
export const ObjectIdString = z.string().regex(/^[0-9a-f]{24}$/, "must be a 24-character hex id");

export const UserPublic = z
  .object({
    id: z.string(),
    username: z.string(),
    display_name: z.string(),
    avatar_url: z.string().nullable(),
    mood: z.string().nullable(),
    bubble_color: z.string().nullable(),
  })
  .openapi("UserPublic");

export const UserSelf = UserPublic.extend({
  phone: z.string(),
  email: z.string().nullable(),
  partner_id: z.string().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
}).openapi("UserSelf");

export const UpdateProfileBody = z
  .strictObject({
    display_name: DisplayName.optional(),
    mood: Mood.nullable().optional(),
    email: Email.nullable().optional(),
    bubble_color: BubbleColor.nullable().optional(),
  })
  .openapi("UpdateProfile");
export type UpdateProfileBody = z.infer<typeof UpdateProfileBody>;

export const LookupQuery = z
  .strictObject({ phone: Phone.optional(), username: Username.optional() })
  .refine((q) => (q.phone ? 1 : 0) + (q.username ? 1 : 0) === 1, {
    message: "give exactly one of phone or username",
  });
