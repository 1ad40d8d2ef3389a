import type { Model } from "mongoose";
import { DuplicateKeyError } from "../errors.ts";
import type { NewUser, UserPatch, UserRecord, UserRepository } from "../../users/user.repository.ts";
import type { Claims } from "./claims.ts";
import { isDuplicateKey } from "./errors.ts";
import { raw, type UserDoc } from "./schemas.ts";

export function toUser(d: UserDoc): UserRecord {
  return {
    id: d._id,
    phone: d.phone,
    username: d.username,
    display_name: d.display_name,
    password_hash: d.password_hash,
    email: d.email ?? null,
    mood: d.mood ?? null,
    avatar_url: d.avatar_url ?? null,
    bubble_color: d.bubble_color ?? null,
    partner_id: d.partner_id ?? null,
    suspended_until: d.suspended_until ?? null,
    suspension_reason: d.suspension_reason ?? null,
    created_at: d.created_at,
    updated_at: d.updated_at,
  };
}

export function userDoc(u: UserRecord): UserDoc {
  const { id, ...rest } = u;
  return { _id: id, ...rest, email: u.email ?? null, mood: u.mood ?? null, avatar_url: u.avatar_url ?? null, bubble_color: u.bubble_color ?? null, partner_id: u.partner_id ?? null,
    suspended_until: u.suspended_until ?? null, suspension_reason: u.suspension_reason ?? null };
}

const PATCHABLE = ["display_name", "mood", "email", "avatar_url", "bubble_color"] as const;

/** The claim that makes `userId` someone's partner (claims.ts); the document follows it. */
export const partnerClaim = (userId: string) => `partner:${userId}`;

export function mongoUsers(d: { User: Model<UserDoc>; claims: Claims }): UserRepository {
  const { User, claims } = d;
  const one = async (filter: Record<string, unknown>, sanitize = false) => {
    const doc = await User.findOne(filter).setOptions({ sanitizeFilter: sanitize }).lean<UserDoc>();
    return doc ? toUser(doc) : null;
  };

  /**
   * Claims `userId` for `partner`. A claim left by a process that died before writing the
   * link into the user document (or while undoing one: a break-up) is released once settled,
   * together with the other side's half of that link: a crash between the two document
   * writes of a link or an unlink must not leave someone pointing at a user who is free.
   */
  async function claimSide(userId: string, partner: string, now: Date): Promise<boolean> {
    const id = partnerClaim(userId);
    if (await claims.take(id, partner, now)) return true;
    const c = await claims.get(id);
    if (!c) return claims.take(id, partner, now);
    if (!claims.settled(c)) return false;
    const u = await User.findById(userId, { partner_id: 1 }).lean<Pick<UserDoc, "partner_id">>();
    if (u?.partner_id === c.value) return false;
    await setPartner(c.value, null, userId, now);
    await claims.release(partnerClaim(c.value), userId);
    await claims.release(id, c.value, c.taken_at);
    return claims.take(id, partner, now);
  }

  /** True when the document changed (FerretDB v1 may report that to two racing callers). */
  async function setPartner(userId: string, partner: string | null, ifPartner: string | null, now: Date): Promise<boolean> {
    const filter = ifPartner === null ? { _id: userId } : { _id: userId, partner_id: ifPartner };
    return (await User.updateOne(filter, { $set: { partner_id: partner, updated_at: now } })).modifiedCount === 1;
  }

  return {
    async create(u: NewUser) {
      const now = new Date();
      const doc: UserDoc = {
        _id: u.id, phone: u.phone, username: u.username, display_name: u.display_name, password_hash: u.password_hash, email: u.email ?? null,
        mood: null, avatar_url: null, bubble_color: null, partner_id: null, suspended_until: null, suspension_reason: null, created_at: now, updated_at: now,
      };
      for (let attempt = 0; ; attempt++) {
        try {
          await raw(User).insertOne(doc);
          return toUser(doc);
        } catch (err) {
          if (!isDuplicateKey(err)) throw err;
        }
        // FerretDB does not say which index refused it (and MongoDB names only one): look.
        if (await one({ phone: u.phone }, true)) throw new DuplicateKeyError("phone");
        if (await one({ username: u.username }, true)) throw new DuplicateKeyError("username");
        if (await User.exists({ _id: u.id })) throw new DuplicateKeyError("id");
        // None visible yet (FerretDB can refuse an insert before the winner's document is
        // readable; or the other user was deleted since): try again.
        if (attempt >= 3) throw new DuplicateKeyError("id", "duplicate key, but no user holds it");
      }
    },

    byId: (id) => one({ _id: id }),

    async byIds(ids) {
      if (ids.length === 0) return [];
      return (await User.find({ _id: { $in: [...ids] } }).lean<UserDoc[]>()).map(toUser);
    },

    byPhone: (phone) => one({ phone }, true),
    byUsername: (username) => one({ username }, true),

    async update(id, patch: UserPatch) {
      const set: Record<string, unknown> = { updated_at: new Date() };
      for (const f of PATCHABLE) if (patch[f] !== undefined) set[f] = patch[f];
      const doc = await User.findOneAndUpdate({ _id: id }, { $set: set }, { returnDocument: "after" }).lean<UserDoc>();
      return doc ? toUser(doc) : null;
    },

    async setPasswordHash(id, passwordHash) {
      return (await User.updateOne({ _id: id }, { $set: { password_hash: passwordHash, updated_at: new Date() } })).matchedCount === 1;
    },

    async linkPartners(a, b) {
      // The documents answer the usual case without a write; the claims decide races.
      const docs = await User.find({ _id: { $in: [a, b] } }, { partner_id: 1 }).lean<Pick<UserDoc, "_id" | "partner_id">[]>();
      // (A user that does not exist is "taken", as SQLite's conditional UPDATE reports it.)
      const side = (id: string) => docs.find((x) => x._id === id);
      if (!side(a) || side(a)!.partner_id) return "a_taken";
      if (!side(b) || side(b)!.partner_id) return "b_taken";
      const now = new Date();
      if (!(await claimSide(a, b, now))) return "a_taken";
      if (!(await claimSide(b, a, now))) {
        await claims.release(partnerClaim(a), b);
        return "b_taken";
      }
      await Promise.all([setPartner(a, b, null, now), setPartner(b, a, null, now)]);
      return "linked";
    },

    async setSuspension(id, suspension) {
      const set = { suspended_until: suspension?.until ?? null, suspension_reason: suspension?.reason ?? null };
      const doc = await User.findOneAndUpdate({ _id: id }, { $set: set }, { returnDocument: "after" }).lean<UserDoc>();
      return doc ? toUser(doc) : null;
    },

    async unlinkPartners(a, b) {
      const now = new Date();
      // Both documents first, then both claims: while a side's claim exists nobody else can
      // link it, so nobody is linked to a user whose ex still points at them. A crash in
      // between leaves claims that claimSide releases (finishing the unlink) once settled.
      const [cleared] = await Promise.all([setPartner(a, null, b, now), setPartner(b, null, a, now)]);
      await Promise.all([claims.release(partnerClaim(a), b), claims.release(partnerClaim(b), a)]);
      return cleared;
    },
  };
}
