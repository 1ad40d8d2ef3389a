// Profiles, sticker packs and uploads: one document each, keyed by their id.
import type { Model } from "mongoose";
import type { MediaType } from "../../media/media-storage.ts";
import type { UploadRecord, UploadRepository } from "../../media/upload.repository.ts";
import type { ProfilePatch, ProfileRecord, ProfileRepository } from "../../profiles/profile.repository.ts";
import type { StickerPackRecord, StickerRepository } from "../../stickers/sticker.repository.ts";
import { isDuplicateKey } from "./errors.ts";
import { raw, type ProfileDoc, type StickerPackDoc, type UploadDoc } from "./schemas.ts";

export function toProfile(d: ProfileDoc): ProfileRecord {
  return {
    user_id: d._id,
    bio: d.bio ?? "",
    birthdate: d.birthdate ?? null,
    gender: d.gender ?? null,
    interests: d.interests ?? [],
    looking_for: d.looking_for ?? null,
    city: d.city ?? null,
    photos: d.photos ?? [],
    social_links: (d.social_links ?? []).map((l) => ({ platform: l.platform, url: l.url })),
    updated_at: d.updated_at,
  };
}

export function profileDoc(p: ProfileRecord): ProfileDoc {
  const { user_id, ...rest } = p;
  return { _id: user_id, ...rest };
}

const PROFILE_DEFAULTS: Omit<ProfileDoc, "_id" | "updated_at"> = { bio: "", birthdate: null, gender: null, interests: [], looking_for: null, city: null, photos: [], social_links: [] };

export function mongoProfiles(Profile: Model<ProfileDoc>): ProfileRepository {
  return {
    async get(userId) {
      const doc = await Profile.findById(userId).lean<ProfileDoc>();
      return doc ? toProfile(doc) : null;
    },

    async upsert(userId, patch: ProfilePatch, at) {
      const set: Record<string, unknown> = { updated_at: at };
      const onInsert: Record<string, unknown> = {};
      for (const [f, v] of Object.entries(PROFILE_DEFAULTS)) {
        const given = (patch as Record<string, unknown>)[f];
        if (given !== undefined) set[f] = given;
        else onInsert[f] = v;
      }
      for (let attempt = 0; ; attempt++) {
        try {
          const doc = await Profile.findOneAndUpdate({ _id: userId }, { $set: set, $setOnInsert: onInsert }, { upsert: true, returnDocument: "after" }).lean<ProfileDoc>();
          return toProfile(doc!);
        } catch (err) {
          // Two first upserts at once (not atomic on FerretDB v1): the second becomes an update.
          if (!isDuplicateKey(err) || attempt >= 2) throw err;
        }
      }
    },
  };
}

export const toStickerPack = (d: StickerPackDoc): StickerPackRecord => ({
  id: d._id,
  name: d.name,
  stickers: (d.stickers ?? []).map((s) => ({ id: s.id, emoji: s.emoji, label: s.label, url: s.url })),
  created_at: d.created_at,
});

export const stickerPackDoc = (p: StickerPackRecord): StickerPackDoc => ({ _id: p.id, name: p.name, stickers: p.stickers ?? [], created_at: p.created_at });

export function mongoStickers(StickerPack: Model<StickerPackDoc>): StickerRepository {
  return {
    async seed(packs) {
      if (packs.length === 0) return;
      try {
        // Unordered: the packs that exist are refused one by one, the others inserted.
        await raw(StickerPack).insertMany(packs.map(stickerPackDoc), { ordered: false });
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
      }
    },
    async list() {
      // The whole collection: a handful of packs, seeded by the server.
      return (await StickerPack.find({}).sort({ _id: 1 }).lean<StickerPackDoc[]>()).map(toStickerPack);
    },
    async byId(id) {
      const doc = await StickerPack.findById(id).lean<StickerPackDoc>();
      return doc ? toStickerPack(doc) : null;
    },
  };
}

export const toUpload = (d: UploadDoc): UploadRecord => ({ id: d._id, owner_id: d.owner_id, type: d.type as MediaType, urls: d.urls ?? [], bytes: d.bytes, created_at: d.created_at });
export const uploadDoc = (u: UploadRecord): UploadDoc => ({ _id: u.id, owner_id: u.owner_id, type: u.type, urls: u.urls ?? [], bytes: u.bytes, created_at: u.created_at });

export function mongoUploads(Upload: Model<UploadDoc>): UploadRepository {
  return {
    async record(u) {
      await Upload.replaceOne({ _id: u.id }, uploadDoc(u), { upsert: true });
    },
    async byUrl(url) {
      // The URL comes from a client's message: sanitizeFilter keeps it a plain value.
      const doc = await Upload.findOne({ urls: url }).setOptions({ sanitizeFilter: true }).lean<UploadDoc>();
      return doc ? toUpload(doc) : null;
    },
  };
}
