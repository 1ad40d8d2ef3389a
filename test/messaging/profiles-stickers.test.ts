// What a message may carry besides text (stickers that exist, media this server stored),
// and the dating profile with its validated social links.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import sharp from "sharp";
import { requestError } from "../support/clients.ts";
import { buildConversation, cmid, connectReady, stopWhenDrained, type Conversation } from "../support/conversations.ts";
import { buildUser, type TestUser } from "../support/factories.ts";
import { startStack, type Stack } from "../support/stack.ts";

let stack: Stack;
let c: Conversation;
before(async () => {
  stack = await startStack({ redis: true });
  c = await buildConversation(stack.api, "group");
});
after(() => stopWhenDrained(stack));

interface Pack {
  id: string;
  stickers: { id: string; url: string }[];
}

describe("sticker messages", () => {
  it("GET /api/stickers/packs lists the default packs, whose images the server serves", async () => {
    assert.equal((await stack.api.get("/api/stickers/packs")).status, 401);
    const res = await stack.api.get("/api/stickers/packs", c.a.token);
    assert.equal(res.status, 200);
    const packs = res.body.packs as Pack[];
    assert.deepEqual(packs.map((p) => p.id).sort(), ["love", "moods"]);
    const heart = packs.find((p) => p.id === "love")!.stickers.find((s) => s.id === "heart")!;
    const img = await fetch(stack.url + heart.url);
    assert.equal(img.status, 200);
    assert.match(img.headers.get("content-type") ?? "", /image\/svg\+xml/);
  });

  it("must name an existing sticker with its own URL", async () => {
    const packs = (await stack.api.get("/api/stickers/packs", c.a.token)).body.packs as Pack[];
    const s = packs[0]!.stickers[0]!;
    const sticker = { pack_id: packs[0]!.id, sticker_id: s.id, url: s.url };
    const ok = await stack.api.post(c.paths.post, { kind: "sticker", sticker }, c.a.token);
    assert.equal(ok.status, 201);
    assert.equal(ok.body.kind, "sticker");
    assert.deepEqual(ok.body.sticker, sticker);

    const bad: [unknown, RegExp][] = [
      [{ kind: "sticker", sticker: { ...sticker, sticker_id: "unicorn" } }, /sticker/],
      [{ kind: "sticker", sticker: { ...sticker, pack_id: "nope" } }, /sticker/],
      [{ kind: "sticker", sticker: { ...sticker, url: "https://evil.example.com/heart.svg" } }, /sticker\.url/],
      [{ kind: "sticker" }, /sticker/],
      [{ text: "hi", sticker }, /sticker/],
    ];
    for (const [body, field] of bad) {
      const res = await stack.api.post(c.paths.post, body, c.a.token);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.match(res.body.error.message, field);
    }
    const sa = await connectReady(stack.url, c.ns, c.a.token);
    try {
      const error = await requestError(sa, "send_message", { chat_id: c.id, client_message_id: cmid(), kind: "sticker", sticker: { ...sticker, sticker_id: "unicorn" } });
      assert.equal(error.code, "validation_error");
      assert.match(error.message, /sticker/);
    } finally {
      sa.close();
    }
    const texts = (await stack.api.get(c.paths.history(), c.a.token)).body.messages.filter((m: { kind: string }) => m.kind === "sticker");
    assert.equal(texts.length, 1, "nothing refused was stored");
  });
});

describe("media messages", () => {
  it("carry media this server stored; URLs from anywhere else are refused with 400", async () => {
    const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: "#c0ffee" } }).png().toBuffer();
    const form = new FormData();
    form.append("file", new Blob([new Uint8Array(png)], { type: "image/png" }), "dot.png");
    const uploaded = await fetch(`${stack.url}/api/uploads`, { method: "POST", body: form, headers: { authorization: `Bearer ${c.a.token}` } });
    assert.equal(uploaded.status, 201);
    const { media } = (await uploaded.json()) as { media: { original: string; preview: string | null; thumbnail: string | null; type: "image" } };

    const ok = await stack.api.post(c.paths.post, { kind: "image", text: "look", media }, c.a.token);
    assert.equal(ok.status, 201, JSON.stringify(ok.body));
    assert.equal(ok.body.media.original, media.original);

    const foreign = "https://evil.example.com/cat.png";
    const cases: [unknown, RegExp][] = [
      [{ kind: "image", media: { original: foreign, type: "image" } }, /media\.original/],
      [{ kind: "image", media: { ...media, preview: foreign } }, /media\.preview/],
      [{ kind: "image", media: { ...media, thumbnail: `https://evil.example.com${media.original}` } }, /media\.thumbnail/],
      [{ kind: "image", media: { original: "javascript:alert(1)", type: "image" } }, /media\.original/],
      [{ kind: "image", media: { ...media, type: "video" } }, /media\.type/],
      [{ kind: "image" }, /media/],
    ];
    for (const [body, field] of cases) {
      const res = await stack.api.post(c.paths.post, body, c.a.token);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.match(res.body.error.message, field);
    }
    const sa = await connectReady(stack.url, c.ns, c.a.token);
    try {
      const error = await requestError(sa, "send_message", { chat_id: c.id, client_message_id: cmid(), kind: "image", media: { original: foreign, type: "image" } });
      assert.equal(error.code, "validation_error");
      assert.match(error.message, /media\.original/);
    } finally {
      sa.close();
    }
  });
});

describe("profiles", () => {
  let u: TestUser, other: TestUser;
  before(async () => {
    [u, other] = await Promise.all([buildUser(stack.api), buildUser(stack.api)]);
  });

  const yearsAgo = (years: number, days = 0) => {
    const d = new Date();
    d.setUTCFullYear(d.getUTCFullYear() - years);
    d.setUTCDate(d.getUTCDate() + days);
    return d.toISOString().slice(0, 10);
  };

  it("GET/PUT /api/profiles/me and GET /api/profiles/:userId", async () => {
    const empty = await stack.api.get("/api/profiles/me", u.token);
    assert.equal(empty.status, 200);
    assert.deepEqual({ ...empty.body, updated_at: null }, {
      user_id: u.id, bio: "", birthdate: null, gender: null, interests: [], looking_for: null, city: null, photos: [], social_links: [], updated_at: null,
    });
    const profile = {
      bio: "Loves hiking",
      birthdate: yearsAgo(30),
      gender: "woman",
      interests: ["hiking", "jazz"],
      looking_for: "relationship",
      city: "Lisbon",
      social_links: [{ platform: "instagram", url: "https://instagram.com/someone" }],
    };
    const put = await stack.api.put("/api/profiles/me", profile, u.token);
    assert.equal(put.status, 200);
    assert.deepEqual({ ...put.body, updated_at: undefined, photos: undefined, user_id: undefined }, { ...profile, updated_at: undefined, photos: undefined, user_id: undefined });
    const partial = await stack.api.put("/api/profiles/me", { city: "Porto" }, u.token);
    assert.equal(partial.body.city, "Porto");
    assert.equal(partial.body.bio, "Loves hiking", "a partial update keeps the rest");

    const seen = await stack.api.get(`/api/profiles/${u.id}`, other.token);
    assert.equal(seen.status, 200);
    assert.equal(seen.body.user_id, u.id);
    assert.deepEqual(seen.body.social_links, profile.social_links);
    assert.equal((await stack.api.get("/api/profiles/0123456789abcdef01234567", other.token)).status, 404);
    assert.equal((await stack.api.get("/api/profiles/not-an-id", other.token)).status, 400);
    assert.equal((await stack.api.get("/api/profiles/me")).status, 401);
  });

  it("refuses unknown keys, bad social links and under-18 birthdates, naming the field", async () => {
    const cases: [unknown, RegExp][] = [
      [{ bio: "x", is_admin: true }, /is_admin/],
      [{ social_links: [{ platform: "instagram", url: "javascript:alert(1)" }] }, /social_links\.0\.url/],
      [{ social_links: [{ platform: "instagram", url: "not a url" }] }, /social_links\.0\.url/],
      [{ social_links: [{ platform: "myspace", url: "https://myspace.com/x" }] }, /social_links\.0\.platform/],
      [{ social_links: [{ platform: "x", url: "https://x.com/a", extra: 1 }] }, /extra/],
      [{ birthdate: yearsAgo(18, 1) }, /birthdate/],
      [{ birthdate: yearsAgo(10) }, /birthdate/],
      [{ birthdate: "01/02/1990" }, /birthdate/],
      [{ gender: "robot" }, /gender/],
    ];
    for (const [body, field] of cases) {
      const res = await stack.api.put("/api/profiles/me", body, u.token);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.match(res.body.error.message, field);
    }
    assert.equal((await stack.api.put("/api/profiles/me", { birthdate: yearsAgo(18) }, u.token)).status, 200, "18 today is old enough");
  });

  it("refuses a calendar date that does not exist", async () => {
    const res = await stack.api.put("/api/profiles/me", { birthdate: "1990-02-30" }, u.token);
    assert.equal(res.status, 400, `stored ${JSON.stringify(res.body.birthdate)}`);
    assert.match(res.body.error.message, /birthdate/);
  });
});
