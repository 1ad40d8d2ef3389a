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

function isDuplicateKey(err: unknown): err is { keyPattern?: Record<string, unknown>; message?: string } {
  return isDuplicateKeyError(err);
}

function usernameFrom(displayName: string): string {
  const base = displayName.toLowerCase().normalize("NFKD").replace(/[^a-z0-9]+/g, "_").replace(/^_+|_+$/g, "").slice(0, 24);
  return `${base.length >= 3 ? base : "user"}_${randomInt(1000, 10000)}`;
}

export function createUserService(deps: { User: UserModel; notifier: Notifier }) {
  const { User } = deps;

  async function getDoc(userId: string): Promise<UserDoc> {
    const user = await User.findById(userId).lean();
    if (!user) throw notFound("User");
    return user;
  }

  return {
    getDoc,

    async create(input: NewUser): Promise<UserDoc> {
      if (await User.exists({ phone: input.phone })) {
        throw new AppError("validation_error", "phone: is already registered", { fields: [{ field: "phone", message: "is already registered" }] });
      }
      if (input.username && (await User.exists({ username: input.username }))) {
        throw new AppError("validation_error", "username: is already taken", { fields: [{ field: "username", message: "is already taken" }] });
      }
      // A generated username may collide; a few tries with a new suffix settle it.
      for (let attempt = 0; ; attempt++) {
        const username = input.username ?? usernameFrom(input.display_name);
        try {
          const created = await User.create({ ...input, username, email: input.email ?? null });
          return created.toObject();
        } catch (err) {
          if (!isDuplicateKey(err)) throw err;
          const field = Object.keys(err.keyPattern ?? {})[0] ?? (/username/.test(err.message ?? "") ? "username" : "phone");
          if (input.username || field !== "username" || attempt >= 5) {
            throw new AppError("validation_error", `${field}: is already registered`, { fields: [{ field, message: "is already registered" }] });
          }
        }
      }
    },

    async me(userId: string) {
      return toUserSelf(await getDoc(userId));
    },

    async updateProfile(userId: string, patch: UpdateProfileBody) {
      const updated = await User.findByIdAndUpdate(userId, { $set: patch }, { returnDocument: "after", runValidators: true }).lean();
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
