// Request and response shapes for users, shared by REST validation and the OpenAPI document.
import { email, SentTimestamp, trimmedText, z } from "../shared/zod.ts";

export const Phone = z
  .string()
  .regex(/^\+[1-9]\d{6,14}$/, "must be an E.164 phone number such as +14155550123")
  .openapi({ example: "+14155550123" });
export const Username = z
  .string()
  .regex(/^[a-z0-9_]{3,32}$/, "must be 3-32 characters of lowercase letters, digits or _")
  .openapi({ example: "alice" });
export const DisplayName = trimmedText("name", 1, 64);
export const Email = email(254);
export const Mood = trimmedText("none", 0, 64);
export const BubbleColor = z.string().regex(/^#[0-9a-fA-F]{6}$/, "must be a colour like #aabbcc");
export const ObjectIdString = z.string().regex(/^[0-9a-f]{24}$/, "must be a 24-character hex id");

const publicFields = {
  id: z.string(),
  username: z.string(),
  display_name: z.string(),
  avatar_url: z.string().nullable(),
  mood: z.string().nullable(),
  bubble_color: z.string().nullable(),
};

export const UserPublic = z.strictObject(publicFields).openapi("UserPublic", { description: "Another user's card" });

export const UserSelf = z
  .strictObject({
    ...publicFields,
    phone: z.string(),
    email: z.string().nullable(),
    partner_id: z.string().nullable(),
    created_at: SentTimestamp,
    updated_at: SentTimestamp,
  })
  .openapi("UserSelf", { description: "The caller's own user" });

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
  .strictObject({
    phone: Phone.optional().openapi({ description: "Exactly one of phone and username" }),
    username: Username.optional().openapi({ description: "Exactly one of phone and username" }),
  })
  .refine((q) => (q.phone ? 1 : 0) + (q.username ? 1 : 0) === 1, {
    message: "give exactly one of phone or username",
  });
