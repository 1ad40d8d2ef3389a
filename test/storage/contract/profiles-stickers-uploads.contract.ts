// ProfileRepository, StickerRepository and UploadRepository (src/profiles, src/stickers, src/media).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { UploadRecord } from "../../../src/media/upload.repository.ts";
import { newId } from "../../../src/shared/ids.ts";
import type { StickerPackRecord } from "../../../src/stickers/sticker.repository.ts";
import { at, range, type GetStorage, type SuiteContext } from "./helpers.ts";

function pack(over: Partial<StickerPackRecord> = {}): StickerPackRecord {
  const id = `pack-${newId()}`;
  return {
    id,
    name: `Pack ${id.slice(-4)}`,
    stickers: [
      { id: "s1", emoji: "😀", label: "smile", url: `/stickers/${id}/s1.svg` },
      { id: "s2", emoji: "❤️", label: "heart", url: `/stickers/${id}/s2.svg` },
    ],
    created_at: at("2030-01-01T00:00:00.000Z"),
    ...over,
  };
}

export function profilesStickersUploadsContract(get: GetStorage, ctx: SuiteContext): void {
  describe("profiles", () => {
    it("get is null before the first upsert", async () => {
      assert.equal(await get().profiles.get(newId()), null);
    });

    it("upsert creates with defaults for what is not given", async () => {
      const s = get();
      const u = newId();
      const t = at("2030-01-01T00:00:00.001Z");
      const p = await s.profiles.upsert(u, { bio: "hi" }, t);
      const expected = { user_id: u, bio: "hi", birthdate: null, gender: null, interests: [], looking_for: null, city: null, photos: [], social_links: [], updated_at: t };
      assert.deepEqual(p, expected);
      assert.deepEqual(await s.profiles.get(u), expected);
      const empty = newId();
      assert.deepEqual(await s.profiles.upsert(empty, {}, t), { ...expected, user_id: empty, bio: "" }, "an empty patch creates the defaults");
    });

    it("upsert of a partial patch keeps the other fields and moves updated_at", async () => {
      const s = get();
      const u = newId();
      const full = {
        bio: "bio",
        birthdate: "1990-02-03",
        gender: "f",
        interests: ["a.b", "$c", "x"],
        looking_for: "friends",
        city: "Paris",
        photos: ["https://cdn.example/1.jpg", "https://cdn.example/2.jpg"],
        social_links: [
          { platform: "insta", url: "https://insta.example/me" },
          { platform: "web", url: "https://me.example" },
        ],
      };
      const t1 = at("2030-01-01T00:00:01.000Z");
      assert.deepEqual(await s.profiles.upsert(u, full, t1), { user_id: u, ...full, updated_at: t1 });
      const t2 = at("2030-01-01T00:00:02.000Z");
      const p = await s.profiles.upsert(u, { city: "Lyon", interests: [] }, t2);
      assert.deepEqual(p, { user_id: u, ...full, city: "Lyon", interests: [], updated_at: t2 });
      const t3 = at("2030-01-01T00:00:03.000Z");
      const q = await s.profiles.upsert(u, { gender: null, birthdate: null }, t3);
      assert.deepEqual(q, { ...p, gender: null, birthdate: null, updated_at: t3 }, "null clears a field");
      assert.deepEqual(await s.profiles.get(u), q);
    });
  });

  describe("stickers", () => {
    it("seed inserts new packs; list returns all packs by id; byId finds one", async () => {
      const s = get();
      const a = pack();
      const b = pack({ id: `${a.id}-b` });
      await s.stickers.seed([b, a]);
      const list = await s.stickers.list();
      const ids = list.map((p) => p.id);
      assert.deepEqual(ids, [...ids].sort(), "ordered by id");
      assert.deepEqual(
        list.filter((p) => p.id === a.id || p.id === b.id),
        [a, b],
      );
      assert.deepEqual(await s.stickers.byId(a.id), a);
      assert.equal(await s.stickers.byId(`pack-${newId()}`), null);
    });

    it("seed leaves existing packs alone and is idempotent, also from several callers at once", async () => {
      const s = get();
      const a = pack();
      await s.stickers.seed([a]);
      const changed = { ...a, name: "Changed", stickers: [] };
      const c = pack();
      await s.stickers.seed([changed, c]);
      assert.deepEqual(await s.stickers.byId(a.id), a, "the existing pack was left alone");
      assert.deepEqual(await s.stickers.byId(c.id), c);

      const d = pack();
      const e = pack();
      await Promise.all(range(1, 5).map(() => s.stickers.seed([d, e, a])));
      const list = await s.stickers.list();
      for (const p of [a, c, d, e]) assert.equal(list.filter((x) => x.id === p.id).length, 1, `${p.id} once`);
      assert.deepEqual(await s.stickers.byId(d.id), d);
      await s.stickers.seed([]);
    });

    it("two nodes: concurrent seeds of the same packs over both store each once", { skip: ctx.openNodes ? false : `${ctx.kind} runs in one process` }, async () => {
      const pair = await ctx.openNodes!(2);
      try {
        const nodes = pair.nodes;
        const packs = [pack(), pack(), pack()];
        await Promise.all(range(0, 5).map((i) => nodes[i % 2]!.stickers.seed(packs)));
        const list = await nodes[0]!.stickers.list();
        assert.deepEqual(list, [...packs].sort((x, y) => (x.id < y.id ? -1 : 1)));
      } finally {
        await pair.stop();
      }
    });
  });

  describe("uploads", () => {
    it("record then byUrl finds the upload by each of its urls", async () => {
      const s = get();
      const id = newId();
      const u: UploadRecord = {
        id,
        owner_id: newId(),
        type: "image",
        urls: [`https://cdn.example/${id}.jpg`, `https://cdn.example/${id}-preview.webp`, `https://cdn.example/${id}-thumb.webp`],
        bytes: 123456,
        created_at: at("2030-01-01T00:00:00.999Z"),
      };
      const other: UploadRecord = { ...u, id: newId(), owner_id: newId(), type: "document", urls: [`https://cdn.example/${id}.pdf`], bytes: 7 };
      await s.uploads.record(u);
      await s.uploads.record(other);
      for (const url of u.urls) assert.deepEqual(await s.uploads.byUrl(url), u, url);
      assert.deepEqual(await s.uploads.byUrl(other.urls[0]!), other);
      assert.equal(await s.uploads.byUrl(`https://cdn.example/${newId()}.jpg`), null);
      assert.equal(await s.uploads.byUrl(`https://cdn.example/${id}`), null, "no prefix match");
    });
  });
}
