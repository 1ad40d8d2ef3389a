// Users: creation with unique phone and username, the profile, and lookup.
import { randomInt } from "node:crypto";
import { AppError, notFound } from "../shared/errors.ts";
import { newId } from "../shared/ids.ts";
import type { Notifier } from "../events/notifier.ts";
import { DuplicateKeyError } from "../storage/errors.ts";
import type { UserPatch, UserRecord, UserRepository } from "./user.repository.ts";
import { toUserPublic, toUserSelf } from "./user.dto.ts";

interface NewUserInput {
  phone: string;
  display_name: string;
  password_hash: string;
  username?: string | undefined;
  email?: string | undefined;
}

function usernameFrom(displayName: string): string {
  const base = displayName.toLowerCase().normalize("NFKD").replace(/[^a-z0-9]+/g, "_").replace(/^_+|_+$/g, "").slice(0, 24);
  return `${base.length >= 3 ? base : "user"}_${randomInt(1000, 10000)}`;
}

/** The error body a taken phone or username gets. */
function alreadyUsed(field: string): AppError {
  const message = field === "username" ? "is already taken" : "is already registered";
  return new AppError("validation_error", `${field}: ${message}`, { fields: [{ field, message }] });
}

export function createUserService(deps: { users: UserRepository; notifier: Notifier; onUserChanged?: (userId: string) => void }) {
  const { users } = deps;

  async function getRecord(userId: string): Promise<UserRecord> {
    const user = await users.byId(userId);
    if (!user) throw notFound("User");
    return user;
  }

  async function update(userId: string, patch: UserPatch) {
    const updated = await users.update(userId, patch);
    deps.onUserChanged?.(userId); // the cached mood (presence)
    if (!updated) throw notFound("User");
    await notifyPartner(updated);
    return toUserSelf(updated);
  }

  return {
    getRecord,

    // No pre-checks: the unique keys answer at insert time.
    async create(input: NewUserInput): Promise<UserRecord> {
      // A generated username may collide; a few tries with a new suffix settle it.
      for (let attempt = 0; ; attempt++) {
        const username = input.username ?? usernameFrom(input.display_name);
        try {
          return await users.create({ id: newId(), phone: input.phone, username, display_name: input.display_name, password_hash: input.password_hash, email: input.email ?? null });
        } catch (err) {
          if (!(err instanceof DuplicateKeyError)) throw err;
          if (input.username || err.key !== "username" || attempt >= 5) throw alreadyUsed(err.key === "username" ? "username" : "phone");
        }
      }
    },

    async me(userId: string) {
      return toUserSelf(await getRecord(userId));
    },

    updateProfile: (userId: string, patch: UserPatch) => update(userId, patch),
    setAvatar: (userId: string, avatarUrl: string) => update(userId, { avatar_url: avatarUrl }),

    async lookup(q: { phone?: string | undefined; username?: string | undefined }) {
      const user = q.phone ? await users.byPhone(q.phone) : await users.byUsername(q.username ?? "");
      if (!user) throw notFound("User");
      return toUserPublic(user);
    },

    async publicCards(ids: readonly string[]) {
      const found = await users.byIds(ids);
      return new Map(found.map((u) => [u.id, toUserPublic(u)]));
    },
  };

  async function notifyPartner(user: UserRecord) {
    if (!user.partner_id) return;
    await deps.notifier.toUsers("couples", [user.partner_id], "user_profile_update", { user: toUserPublic(user) });
  }
}

export type UserService = ReturnType<typeof createUserService>;
