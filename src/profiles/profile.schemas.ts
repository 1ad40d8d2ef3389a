// The dating profile and social links (TrueMatch). Every field is allow-listed and bounded.
import { httpUrl, SentTimestamp, trimmedText, z } from "../shared/zod.ts";

const HttpUrl = httpUrl(2048);

export const SOCIAL_PLATFORMS = ["instagram", "facebook", "twitter", "x", "tiktok", "linkedin", "snapchat", "spotify", "youtube", "website"] as const;

function adultBirthdate(value: string, ctx: z.RefinementCtx) {
  const d = new Date(`${value}T00:00:00Z`);
  // Date rolls 1990-02-30 over to March 2; a real date survives the round trip.
  if (Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== value) return ctx.addIssue({ code: "custom", message: "must be a real date (YYYY-MM-DD)" });
  const now = new Date();
  const age = now.getUTCFullYear() - d.getUTCFullYear() - (now < new Date(Date.UTC(now.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate())) ? 1 : 0);
  if (age < 18) ctx.addIssue({ code: "custom", message: "must be at least 18 years ago" });
  if (age > 120) ctx.addIssue({ code: "custom", message: "is too far in the past" });
}

export const SocialLink = z.strictObject({ platform: z.enum(SOCIAL_PLATFORMS), url: HttpUrl });

const Gender = z.enum(["woman", "man", "non_binary", "other"]);
const LookingFor = z.enum(["relationship", "friendship", "casual", "not_sure"]);

export const UpdateProfileBody = z
  .strictObject({
    bio: trimmedText("none", 0, 500).optional(),
    birthdate: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}$/, "must be YYYY-MM-DD")
      .superRefine(adultBirthdate)
      .nullable()
      .optional()
      .openapi({ description: "A real date (YYYY-MM-DD), 18 to 120 years ago" }),
    gender: Gender.nullable().optional(),
    interests: z.array(trimmedText("none", 1, 32)).max(20).optional(),
    looking_for: LookingFor.nullable().optional(),
    city: trimmedText("none", 0, 100).nullable().optional(),
    photos: z.array(HttpUrl.or(z.string().regex(/^\/media\/[A-Za-z0-9/_.-]+$/))).max(6).optional(),
    social_links: z.array(SocialLink).max(10).optional(),
  })
  .openapi("ProfileUpdate");
export type UpdateProfileBody = z.infer<typeof UpdateProfileBody>;

export const ProfileSchema = z
  .strictObject({
    user_id: z.string(),
    bio: z.string(),
    birthdate: z.string().nullable(),
    gender: Gender.nullable(),
    interests: z.array(z.string()),
    looking_for: LookingFor.nullable(),
    city: z.string().nullable(),
    photos: z.array(z.string()),
    social_links: z.array(z.strictObject({ platform: z.enum(SOCIAL_PLATFORMS), url: z.string() })),
    updated_at: SentTimestamp.nullable().openapi({ description: "null until the profile is first saved" }),
  })
  .openapi("Profile");
