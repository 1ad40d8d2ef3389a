import { notFound } from "../shared/errors.ts";
import type { BlockCheck } from "../safety/block-check.ts";
import type { UserRepository } from "../users/user.repository.ts";
import type { ProfileRecord, ProfileRepository } from "./profile.repository.ts";
import type { UpdateProfileBody } from "./profile.schemas.ts";

function toProfile(userId: string, p: ProfileRecord | null) {
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

export function createProfileService(d: { profiles: ProfileRepository; users: UserRepository; blocks?: Pick<BlockCheck, "between"> }) {
  return {
    /**
     * The user's profile as `viewerId` sees it (none given: the owner). Across a block it is
     * the empty profile: nothing beyond the public card crosses (docs/DECISIONS.md).
     */
    async get(userId: string, viewerId: string = userId) {
      if (!(await d.users.byId(userId))) throw notFound("User");
      if (viewerId !== userId && (await d.blocks?.between(viewerId, userId))) return toProfile(userId, null);
      return toProfile(userId, await d.profiles.get(userId));
    },
    async update(userId: string, patch: UpdateProfileBody) {
      const set = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined));
      return toProfile(userId, await d.profiles.upsert(userId, set, new Date()));
    },
  };
}

export type ProfileService = ReturnType<typeof createProfileService>;
