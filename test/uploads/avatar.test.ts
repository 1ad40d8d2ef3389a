// POST /api/users/me/avatar: images only, the user's avatar_url points at the stored preview,
// and the partner hears about it (user_profile_update on /couples).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import sharp from "sharp";
import { connectAs, nextEvent } from "../support/clients.ts";
import { buildUser } from "../support/factories.ts";
import { startStack, type Stack } from "../support/stack.ts";
import * as fixtures from "./media-fixtures.ts";
import { filesUnder, SMALL_LIMITS, upload } from "./upload-helpers.ts";

let stack: Stack;
before(async () => {
  stack = await startStack({ env: SMALL_LIMITS });
});
after(() => stack.stop());

/** Partners linked directly in the database, so this test does not depend on the couples routes. */
async function buildPartners() {
  const a = await buildUser(stack.api);
  const b = await buildUser(stack.api);
  assert.equal(await stack.server.app.services.storage.users.linkPartners(a.id, b.id), "linked");
  return { a, b };
}

describe("avatar upload", () => {
  it("sets avatar_url, serves the image and tells the partner", async () => {
    const { a, b } = await buildPartners();
    const partnerSocket = await connectAs(stack.url, "couples", b.token);
    try {
      const heard = nextEvent(partnerSocket, "user_profile_update", (p) => p.user.id === a.id);
      const png = await fixtures.image("png", { width: 200, height: 100 });
      const res = await upload(stack.url, png, { token: a.token, path: "/api/users/me/avatar", filename: "me.png", mimetype: "image/png" });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.id, a.id);
      assert.equal(res.body.phone, a.phone, "the caller gets UserSelf");
      const avatarUrl = res.body.avatar_url as string;
      assert.match(avatarUrl, /^\/media\/[0-9a-f]{2}\/[0-9a-f]{32}-preview\.webp$/);
      assert.ok(stack.server.app.services.media.storage.isOwnUrl(avatarUrl));

      const event = await heard;
      assert.equal(event.user.avatar_url, avatarUrl);

      const img = await fetch(stack.url + avatarUrl);
      assert.equal(img.status, 200);
      assert.equal(img.headers.get("content-type"), "image/webp");
      assert.equal(img.headers.get("x-content-type-options"), "nosniff");
      const meta = await sharp(Buffer.from(await img.arrayBuffer())).metadata();
      assert.deepEqual([meta.format, meta.width, meta.height], ["webp", 200, 100]);

      const me = await stack.api.get("/api/users/me", a.token);
      assert.equal(me.body.avatar_url, avatarUrl);
    } finally {
      partnerSocket.disconnect();
    }
  });

  it("stores the original, preview and thumbnail of the avatar", async () => {
    const u = await buildUser(stack.api);
    const before = filesUnder(stack.server.app.services.media.paths.files).length;
    const res = await upload(stack.url, await fixtures.image("jpeg"), { token: u.token, path: "/api/users/me/avatar" });
    assert.equal(res.status, 200);
    const stored = filesUnder(stack.server.app.services.media.paths.files);
    assert.equal(stored.length, before + 3);
    const id = (res.body.avatar_url as string).split("/").pop()!.replace("-preview.webp", "");
    assert.equal(stored.filter((f) => f.includes(id)).length, 3);
  });

  it("takes images only and leaves the user unchanged otherwise", async () => {
    const u = await buildUser(stack.api);
    const filesBefore = filesUnder(stack.server.app.services.media.paths.files);
    for (const bytes of [fixtures.pdf(), fixtures.wav(), fixtures.webm(), fixtures.elf()]) {
      const res = await upload(stack.url, bytes, { token: u.token, path: "/api/users/me/avatar", filename: "me.jpg", mimetype: "image/jpeg" });
      assert.equal(res.status, 415, JSON.stringify(res.body));
      assert.equal(res.body.error.code, "unsupported_media_type");
    }
    const kind = await upload(stack.url, await fixtures.image("png"), { token: u.token, path: "/api/users/me/avatar", fields: { kind: "image" } });
    assert.equal(kind.status, 400, "the avatar form has no fields");
    assert.equal((await stack.api.get("/api/users/me", u.token)).body.avatar_url, null);
    assert.deepEqual(filesUnder(stack.server.app.services.media.paths.files), filesBefore);
  });
});
