import { notFound } from "../shared/errors.ts";
import type { UserModel } from "../users/user.model.ts";
import type { ProfileDoc, ProfileModel } from "./profile.model.ts";
import type { UpdateProfileBody } from "./profile.schemas.ts";

function toProfile(userId: string, p: ProfileDoc | null) {
  return {
    user_id: userId,
    bio: p?.bio ?? "",
    birthdate: p?.birthdate ?? null,
    gender: p?.gender ?? null,
    interests: p?.interests ?? [],
    looking_for: p?.looking_for ?? null,
    city: p?.city ?? null,
    photos: p?.photos ?? [],
    social_links: (p?.social_links ?? []).map((l) => ({ platform: l.platform, url: l.url })),
    updated_at: p?.updated_at?.toISOString() ?? null,
  };
}

export function createProfileService(d: { Profile: ProfileModel; User: UserModel }) {
  return {
    async get(userId: string) {
      if (!(await d.User.exists({ _id: userId }))) throw notFound("User");
      return toProfile(userId, await d.Profile.findById(userId).lean());
    },
    async update(userId: string, patch: UpdateProfileBody) {
      const set = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined));
      const p = await d.Profile.findOneAndUpdate({ _id: userId }, { $set: { ...set, updated_at: new Date() } }, { upsert: true, returnDocument: "after" }).lean();
      return toProfile(userId, p);
    },
  };
}

export type ProfileService = ReturnType<typeof createProfileService>;
