// Users: creation with unique phone and username, the profile, and lookup.
import { isDuplicateKeyError } from "../infra/mongo.ts";
import { randomInt } from "node:crypto";
import { AppError, notFound } from "../shared/errors.ts";
import type { Notifier } from "../events/notifier.ts";
import type { UserDoc, UserModel } from "./user.model.ts";
import { toUserPublic, toUserSelf } from "./user.dto.ts";
import type { UpdateProfileBody } from "./user.schemas.ts";

interface NewUser {
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

/** The error body a taken phone or username gets (the same as when each had its own pre-check). */
function alreadyUsed(field: string): AppError {
  const message = field === "username" ? "is already taken" : "is already registered";
  return new AppError("validation_error", `${field}: ${message}`, { fields: [{ field, message }] });
}

export function createUserService(deps: { User: UserModel; notifier: Notifier; onUserChanged?: (userId: string) => void }) {
  const { User } = deps;

  async function getDoc(userId: string): Promise<UserDoc> {
    const user = await User.findById(userId).lean();
    if (!user) throw notFound("User");
    return user;
  }

  /** After a duplicate-key error: phone and username are the only unique fields, and a
   *  taken phone is reported first (as the pre-checks did), whatever index MongoDB names. */
  async function collidingField(phone: string): Promise<"phone" | "username"> {
    return (await User.exists({ phone }).setOptions({ sanitizeFilter: true })) ? "phone" : "username";
  }

  return {
    getDoc,

    // No `exists` pre-checks: the unique indexes answer at insert time, and each pre-check
    // scanned every user on FerretDB (it uses no index for queries). Only a refused insert
    // asks which field collided, since FerretDB's duplicate-key error does not say.
    async create(input: NewUser): Promise<UserDoc> {
      // A generated username may collide; a few tries with a new suffix settle it.
      for (let attempt = 0; ; attempt++) {
        const username = input.username ?? usernameFrom(input.display_name);
        try {
          const created = await User.create({ ...input, username, email: input.email ?? null });
          return created.toObject();
        } catch (err) {
          if (!isDuplicateKeyError(err)) throw err;
          const field = await collidingField(input.phone);
          if (input.username || field !== "username" || attempt >= 5) throw alreadyUsed(field);
        }
      }
    },

    async me(userId: string) {
      return toUserSelf(await getDoc(userId));
    },

    async updateProfile(userId: string, patch: UpdateProfileBody) {
      const updated = await User.findByIdAndUpdate(userId, { $set: patch }, { returnDocument: "after", runValidators: true }).lean();
      deps.onUserChanged?.(userId); // the cached mood (presence)
      if (!updated) throw notFound("User");
      await notifyPartner(updated);
      return toUserSelf(updated);
    },

    async setAvatar(userId: string, avatarUrl: string) {
      const updated = await User.findByIdAndUpdate(userId, { $set: { avatar_url: avatarUrl } }, { returnDocument: "after" }).lean();
      if (!updated) throw notFound("User");
      await notifyPartner(updated);
      return toUserSelf(updated);
    },

    async lookup(q: { phone?: string | undefined; username?: string | undefined }) {
      const user = await User.findOne(q.phone ? { phone: q.phone } : { username: q.username }).setOptions({ sanitizeFilter: true }).lean();
      if (!user) throw notFound("User");
      return toUserPublic(user);
    },

    async publicCards(ids: string[]) {
      const users = await User.find({ _id: { $in: ids } }).lean();
      return new Map(users.map((u) => [u._id.toString(), toUserPublic(u)]));
    },
  };

  async function notifyPartner(user: UserDoc) {
    if (!user.partner_id) return;
    await deps.notifier.toUsers("couples", [user.partner_id.toString()], "user_profile_update", {
      user: toUserPublic(user),
    });
  }
}

export type UserService = ReturnType<typeof createUserService>;
