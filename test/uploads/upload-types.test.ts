// Every allowed type goes through the real server (multipart over HTTP, local storage, FerretDB)
// and comes back from /media with the right bytes and headers.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import sharp from "sharp";
import { buildUser, type TestUser } from "../support/factories.ts";
import { startStack, type Stack } from "../support/stack.ts";
import * as fixtures from "./media-fixtures.ts";
import { SMALL_LIMITS, upload } from "./upload-helpers.ts";

let stack: Stack;
let user: TestUser;
before(async () => {
  stack = await startStack({ env: SMALL_LIMITS });
  user = await buildUser(stack.api);
});
after(() => stack.stop());

const storage = () => stack.server.app.services.media.storage;

async function fetchMedia(url: string) {
  assert.match(url, /^\/media\/[0-9a-f]{2}\/[0-9a-f]{32}/, "a root-relative URL with a server-generated name");
  const res = await fetch(stack.url + url);
  return { res, bytes: Buffer.from(await res.arrayBuffer()) };
}

describe("uploads: images", () => {
  for (const format of ["jpeg", "png", "webp"] as const) {
    it(`stores a ${format}, re-encoded, with a WebP preview and thumbnail`, async () => {
      const input = await fixtures.image(format, { width: 64, height: 48 });
      const res = await upload(stack.url, input, { token: user.token, filename: `x.${format}` });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      const m = res.body.media;
      assert.equal(m.type, "image");
      assert.equal(m.width, 64);
      assert.equal(m.height, 48);
      assert.ok(m.bytes > 0);
      const expectedType = format === "jpeg" ? "image/jpeg" : `image/${format}`;
      const original = await fetchMedia(m.original);
      assert.equal(original.res.status, 200);
      assert.equal(original.res.headers.get("content-type"), expectedType);
      assert.equal(original.res.headers.get("x-content-type-options"), "nosniff");
      assert.match(original.res.headers.get("cache-control") ?? "", /max-age=31536000.*immutable/);
      assert.equal(original.bytes.length, m.bytes);
      assert.deepEqual(await sharp(original.bytes).metadata().then((x) => [x.format, x.width, x.height]), [format, 64, 48]);
      for (const rendition of [m.preview, m.thumbnail]) {
        const r = await fetchMedia(rendition);
        assert.equal(r.res.status, 200);
        assert.equal(r.res.headers.get("content-type"), "image/webp");
        assert.equal((await sharp(r.bytes).metadata()).format, "webp");
      }
      for (const url of [m.original, m.preview, m.thumbnail]) assert.ok(storage().isOwnUrl(url), url);
    });
  }

  it("keeps an animated GIF animated and reports the frame size", async () => {
    const res = await upload(stack.url, await fixtures.animatedGif(), { token: user.token, filename: "a.gif" });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const m = res.body.media;
    assert.deepEqual([m.type, m.width, m.height], ["image", 40, 30]);
    const original = await fetchMedia(m.original);
    assert.equal(original.res.headers.get("content-type"), "image/gif");
    assert.equal((await sharp(original.bytes, { animated: true }).metadata()).pages, 2);
    const preview = await fetchMedia(m.preview);
    assert.equal((await sharp(preview.bytes, { animated: true }).metadata()).pages, 2);
  });

  it("strips metadata (EXIF) by re-encoding", async () => {
    const input = await fixtures.image("jpeg", { exif: "SECRET-CAMERA-OWNER" });
    assert.ok(input.includes("SECRET-CAMERA-OWNER"), "the fixture carries the marker");
    const res = await upload(stack.url, input, { token: user.token, filename: "x.jpg" });
    assert.equal(res.status, 201);
    const original = await fetchMedia(res.body.media.original);
    assert.ok(!original.bytes.includes("SECRET-CAMERA-OWNER"));
    assert.equal((await sharp(original.bytes).metadata()).exif, undefined);
  });
});

describe("uploads: video, audio and documents", () => {
  const cases: { name: string; bytes: () => Buffer; type: string; contentType: string; kind?: string }[] = [
    { name: "pdf", bytes: fixtures.pdf, type: "document", contentType: "application/pdf" },
    { name: "wav", bytes: () => fixtures.wav(), type: "audio", contentType: "audio/wav" },
    { name: "mp3", bytes: fixtures.mp3, type: "audio", contentType: "audio/mpeg" },
    { name: "ogg/opus", bytes: () => fixtures.ogg("opus"), type: "audio", contentType: "audio/ogg" },
    { name: "ogg/vorbis", bytes: () => fixtures.ogg("vorbis"), type: "audio", contentType: "audio/ogg" },
    { name: "m4a", bytes: () => fixtures.isoBmff("M4A "), type: "audio", contentType: "audio/mp4" },
    { name: "mp4", bytes: () => fixtures.isoBmff("isom"), type: "video", contentType: "video/mp4" },
    { name: "webm", bytes: fixtures.webm, type: "video", contentType: "video/webm" },
    { name: "webm voice note (kind=audio)", bytes: fixtures.webm, type: "audio", contentType: "audio/webm", kind: "audio" },
    { name: "mp4 audio (kind=audio)", bytes: () => fixtures.isoBmff("isom"), type: "audio", contentType: "audio/mp4", kind: "audio" },
    { name: "mp4 with kind=video", bytes: () => fixtures.isoBmff("isom"), type: "video", contentType: "video/mp4", kind: "video" },
  ];
  for (const c of cases) {
    it(`stores ${c.name} as ${c.type} and serves it as ${c.contentType}`, async () => {
      const input = c.bytes();
      // The client's claims are deliberately wrong: only the bytes decide.
      const res = await upload(stack.url, input, { token: user.token, filename: "whatever.txt", mimetype: "text/plain", ...(c.kind ? { fields: { kind: c.kind } } : {}) });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      const m = res.body.media;
      assert.equal(m.type, c.type);
      assert.equal(m.bytes, input.length);
      assert.equal(m.preview, null, "no decoder for previews of non-images on local storage");
      assert.equal(m.thumbnail, null);
      const original = await fetchMedia(m.original);
      assert.equal(original.res.status, 200);
      assert.equal(original.res.headers.get("content-type"), c.contentType);
      assert.equal(original.res.headers.get("x-content-type-options"), "nosniff");
      assert.ok(original.bytes.equals(input), "served byte for byte");
      assert.ok(storage().isOwnUrl(m.original));
    });
  }

  it("refuses a kind that contradicts the bytes (415) and an unknown kind (400)", async () => {
    const wrong = await upload(stack.url, fixtures.pdf(), { token: user.token, fields: { kind: "image" } });
    assert.equal(wrong.status, 415);
    assert.equal(wrong.body.error.code, "unsupported_media_type");
    const m4aAsVideo = await upload(stack.url, fixtures.isoBmff("M4A "), { token: user.token, fields: { kind: "video" } });
    assert.equal(m4aAsVideo.status, 415);
    const bad = await upload(stack.url, fixtures.pdf(), { token: user.token, fields: { kind: "spreadsheet" } });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.code, "validation_error");
    assert.match(bad.body.error.message, /kind/);
  });
});

describe("uploads: URL ownership and docs", () => {
  it("isOwnUrl accepts what we stored and nothing else", async () => {
    const res = await upload(stack.url, fixtures.pdf(), { token: user.token });
    const own = res.body.media.original as string;
    assert.ok(storage().isOwnUrl(own));
    const id = own.split("/").pop()!.split(".")[0]!;
    for (const url of [
      "https://evil.example/x.jpg",
      `https://evil.example${own}`, // our path on someone else's host
      `${own}?x=1`,
      `/media/zz/${id}.pdf`, // shard does not match the name
      `/media/${id.slice(0, 2)}/${id}.exe`,
      "/media/../../etc/passwd",
      "/media/ab/notourname.jpg",
      "javascript:alert(1)",
      "",
    ]) assert.equal(storage().isOwnUrl(url), false, url);
  });

  it("unknown media names are a JSON 404", async () => {
    const res = await fetch(`${stack.url}/media/ab/${"ab".padEnd(32, "0")}.jpg`);
    assert.equal(res.status, 404);
    assert.equal((await res.json()).error.code, "not_found");
  });

  it("documents both endpoints as multipart in OpenAPI", async () => {
    const doc = (await stack.api.get("/api/openapi.json")).body;
    for (const path of ["/api/uploads", "/api/users/me/avatar"]) {
      const op = doc.paths[path]?.post;
      assert.ok(op, path);
      assert.ok(op.requestBody.content["multipart/form-data"], path);
      assert.ok(op.responses["413"] && op.responses["415"], path);
    }
  });
});
