// The Cloudinary storage through the real SDK, against a local stand-in for the upload API:
// the request is signed correctly and asks for the eager renditions, the returned URLs are
// ours, and a refused upload never reaches Cloudinary.
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import { v2 as cloudinary } from "cloudinary";
import { parseConfig } from "../../src/config.ts";
import { cloudinaryCredentials } from "../../src/media/create-media.ts";
import { buildUser, type TestUser } from "../support/factories.ts";
import { startStack, type Stack } from "../support/stack.ts";
import { startFakeCloudinary } from "./fake-cloudinary.ts";
import * as fixtures from "./media-fixtures.ts";
import { entriesIn, SMALL_LIMITS, upload, waitFor } from "./upload-helpers.ts";

const CLOUD = "testcloud";
const KEY = "123456789012345";
const SECRET = "test-cloudinary-secret";

let fake: Awaited<ReturnType<typeof startFakeCloudinary>>;
let stack: Stack;
let user: TestUser;
before(async () => {
  fake = await startFakeCloudinary();
  stack = await startStack({ env: { ...SMALL_LIMITS, CLOUDINARY_URL: `cloudinary://${KEY}:${SECRET}@${CLOUD}`, CLOUDINARY_UPLOAD_PREFIX: fake.url } });
  user = await buildUser(stack.api);
});
after(async () => {
  await stack.stop();
  await fake.close();
});
beforeEach(() => {
  fake.requests.length = 0;
  fake.respondWith(undefined);
});

const storage = () => stack.server.app.services.media.storage;
const scratchIsEmpty = () => waitFor(() => entriesIn(stack.server.app.services.media.paths.incoming).length === 0, "scratch to empty");

/** The signature the SDK must have sent: every field but file, api_key and signature, signed with the secret. */
function assertSigned(fields: Record<string, string>) {
  assert.equal(fields.api_key, KEY);
  const ts = Number(fields.timestamp);
  assert.ok(Math.abs(ts - Date.now() / 1000) < 300, "a current timestamp");
  const { signature, api_key: _k, file: _f, ...signed } = fields;
  assert.ok(signature, "signed");
  assert.equal(signature, cloudinary.utils.api_sign_request(signed, SECRET));
  assert.notEqual(signature, cloudinary.utils.api_sign_request(signed, "some-other-secret"));
}

describe("cloudinary storage", () => {
  it("is chosen when configured, and nothing is served from local disk", async () => {
    assert.equal(storage().name, "cloudinary");
    assert.equal(stack.server.app.services.media.mountStatic, undefined);
  });

  it("uploads an image with a signed request asking for eager preview and thumbnail", async () => {
    const input = await fixtures.image("jpeg", { width: 80, height: 60, exif: "SECRET-OWNER" });
    const res = await upload(stack.url, input, { token: user.token, filename: "p.jpg" });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(fake.requests.length, 1);
    const sent = fake.requests[0]!;
    assert.equal(sent.path, `/v1_1/${CLOUD}/image/upload`);
    assertSigned(sent.fields);
    assert.match(sent.fields.public_id!, /^chat\/[0-9a-f]{32}$/);
    assert.equal(sent.fields.eager, "c_limit,h_1280,q_auto,w_1280/webp|c_limit,h_320,q_auto,w_320/webp");
    assert.equal(sent.fields.overwrite, "0");
    // What reached Cloudinary is the re-encoded image: metadata already gone.
    assert.ok(sent.file && sent.file.bytes[0] === 0xff && sent.file.bytes[1] === 0xd8);
    assert.ok(!sent.file.bytes.includes("SECRET-OWNER"));

    const m = res.body.media;
    const base = `https://res.cloudinary.com/${CLOUD}/image/upload`;
    assert.match(m.original, new RegExp(`^${base}/v\\d+/${sent.fields.public_id}\\.jpg$`));
    assert.match(m.preview, new RegExp(`^${base}/c_limit,h_1280,q_auto,w_1280/v\\d+/${sent.fields.public_id}\\.webp$`));
    assert.match(m.thumbnail, new RegExp(`^${base}/c_limit,h_320,q_auto,w_320/v\\d+/${sent.fields.public_id}\\.webp$`));
    assert.deepEqual([m.type, m.width, m.height], ["image", 80, 60]);
    for (const url of [m.original, m.preview, m.thumbnail]) assert.ok(storage().isOwnUrl(url), url);
    await scratchIsEmpty();
  });

  it("sends video and audio as video resources, PDFs as raw", async () => {
    const video = await upload(stack.url, fixtures.isoBmff("isom"), { token: user.token });
    assert.equal(video.status, 201, JSON.stringify(video.body));
    assert.equal(fake.requests[0]!.path, `/v1_1/${CLOUD}/video/upload`);
    assert.equal(fake.requests[0]!.fields.eager, "c_limit,h_1280,so_0,w_1280/jpg|c_limit,h_320,so_0,w_320/jpg");
    assert.equal(video.body.media.duration, 1.5);
    assert.match(video.body.media.preview, /\/video\/upload\/c_limit,h_1280,so_0,w_1280\/v\d+\/chat\/[0-9a-f]{32}\.jpg$/);

    const audio = await upload(stack.url, fixtures.wav(), { token: user.token });
    assert.equal(audio.status, 201);
    assert.equal(fake.requests[1]!.path, `/v1_1/${CLOUD}/video/upload`);
    assert.equal(fake.requests[1]!.fields.eager, undefined);
    assert.deepEqual([audio.body.media.type, audio.body.media.preview], ["audio", null]);

    const doc = await upload(stack.url, fixtures.pdf(), { token: user.token });
    assert.equal(doc.status, 201);
    const sent = fake.requests[2]!;
    assert.equal(sent.path, `/v1_1/${CLOUD}/raw/upload`);
    assertSigned(sent.fields);
    assert.match(sent.fields.public_id!, /^chat\/[0-9a-f]{32}\.pdf$/);
    assert.equal(doc.body.media.original, `https://res.cloudinary.com/${CLOUD}/raw/upload/${doc.body.media.original.split("/raw/upload/")[1]}`);
    assert.ok(storage().isOwnUrl(doc.body.media.original));
    assert.deepEqual([doc.body.media.type, doc.body.media.preview, doc.body.media.thumbnail], ["document", null, null]);
  });

  it("a refused upload never reaches Cloudinary", async () => {
    assert.equal((await upload(stack.url, fixtures.elf(), { token: user.token, filename: "photo.jpg", mimetype: "image/jpeg" })).status, 415);
    assert.equal((await upload(stack.url, Buffer.alloc(0), { token: user.token })).status, 400);
    const big = Buffer.concat([await fixtures.image("png"), Buffer.alloc(Number(SMALL_LIMITS.UPLOAD_MAX_IMAGE_BYTES))]);
    assert.equal((await upload(stack.url, big, { token: user.token })).status, 413);
    assert.equal((await upload(stack.url, fixtures.pdf(), {})).status, 401);
    assert.equal(fake.requests.length, 0);
    await scratchIsEmpty();
  });

  it("a Cloudinary failure is a 503, with nothing left behind", async () => {
    fake.respondWith(() => ({ status: 500, body: { error: { message: "Internal error" } } }));
    const res = await upload(stack.url, fixtures.pdf(), { token: user.token });
    assert.equal(res.status, 503, JSON.stringify(res.body));
    assert.equal(res.body.error.code, "service_unavailable");
    await scratchIsEmpty();
  });

  it("URLs outside our cloud's delivery host are refused, and the asset is destroyed", async () => {
    fake.respondWith((req, body) =>
      req.path.endsWith("/upload") ? { status: 200, body: { ...body, secure_url: String(body.secure_url).replace("res.cloudinary.com", "evil.example") } } : { status: 200, body },
    );
    const res = await upload(stack.url, fixtures.wav(), { token: user.token });
    assert.equal(res.status, 503);
    const [uploaded, destroyed] = fake.requests;
    assert.equal(destroyed?.path, `/v1_1/${CLOUD}/video/destroy`);
    assert.equal(destroyed.fields.public_id, uploaded!.fields.public_id);
    assertSigned(destroyed.fields);
    await scratchIsEmpty();
  });

  it("remove() destroys the asset with a signed request", async () => {
    const res = await upload(stack.url, await fixtures.image("png"), { token: user.token });
    fake.requests.length = 0;
    await storage().remove(res.body.media);
    assert.equal(fake.requests.length, 1);
    assert.equal(fake.requests[0]!.path, `/v1_1/${CLOUD}/image/destroy`);
    assertSigned(fake.requests[0]!.fields);
    assert.ok(res.body.media.original.includes(`/${fake.requests[0]!.fields.public_id}.`));
    assert.equal(fake.requests[0]!.fields.invalidate, "true");
  });

  it("isOwnUrl accepts only our cloud's delivery URLs for our folder", () => {
    const id = "0123456789abcdef0123456789abcdef";
    assert.ok(storage().isOwnUrl(`https://res.cloudinary.com/${CLOUD}/image/upload/v1/chat/${id}.jpg`));
    assert.ok(storage().isOwnUrl(`https://res.cloudinary.com/${CLOUD}/image/upload/chat/${id}.jpg`));
    assert.ok(storage().isOwnUrl(`https://res.cloudinary.com/${CLOUD}/video/upload/c_limit,h_320,so_0,w_320/v9/chat/${id}.jpg`));
    for (const url of [
      "https://evil.example/x.jpg",
      `https://res.cloudinary.com/othercloud/image/upload/v1/chat/${id}.jpg`,
      `http://res.cloudinary.com/${CLOUD}/image/upload/v1/chat/${id}.jpg`,
      `https://res.cloudinary.com/${CLOUD}/image/upload/v1/elsewhere/${id}.jpg`,
      `https://res.cloudinary.com/${CLOUD}/image/fetch/https://evil.example/chat/${id}.jpg`,
      `https://res.cloudinary.com/${CLOUD}/image/upload/v1/chat/${id}.jpg?x=1`,
      // Only our own renditions: no arbitrary transformations (overlays of remote images, quota burn).
      `https://res.cloudinary.com/${CLOUD}/image/upload/l_fetch:aHR0cHM6Ly9ldmlsLmV4YW1wbGUveC5wbmc=/v1/chat/${id}.jpg`,
      `https://res.cloudinary.com/${CLOUD}/image/upload/c_limit,h_1280,q_auto,w_1280/e_blur:2000/v1/chat/${id}.jpg`,
      `/media/01/${id}.jpg`,
    ]) assert.equal(storage().isOwnUrl(url), false, url);
  });
});

describe("cloudinary configuration", () => {
  const creds = (env: Record<string, string>) => cloudinaryCredentials(parseConfig(env).uploads.cloudinary);

  it("reads CLOUDINARY_URL or the three variables (which win), or none at all", () => {
    assert.equal(creds({}), undefined);
    assert.deepEqual(creds({ CLOUDINARY_URL: "cloudinary://k:s@c" }), { cloudName: "c", apiKey: "k", apiSecret: "s", uploadPrefix: undefined });
    assert.deepEqual(creds({ CLOUDINARY_CLOUD_NAME: "c2", CLOUDINARY_API_KEY: "k2", CLOUDINARY_API_SECRET: "s2", CLOUDINARY_UPLOAD_PREFIX: "https://api-eu.cloudinary.com/" }), {
      cloudName: "c2",
      apiKey: "k2",
      apiSecret: "s2",
      uploadPrefix: "https://api-eu.cloudinary.com",
    });
    assert.equal(creds({ CLOUDINARY_URL: "cloudinary://k:s@c", CLOUDINARY_CLOUD_NAME: "other" })?.cloudName, "other");
  });

  it("fails at start on incomplete or malformed settings, naming the variables", () => {
    assert.throws(() => creds({ CLOUDINARY_API_KEY: "k" }), /CLOUDINARY_CLOUD_NAME, CLOUDINARY_API_SECRET: missing/);
    assert.throws(() => creds({ CLOUDINARY_URL: "https://k:s@c" }), /CLOUDINARY_URL/);
    assert.throws(() => creds({ CLOUDINARY_URL: "cloudinary://k:s@c", CLOUDINARY_UPLOAD_PREFIX: "ftp://x" }), /CLOUDINARY_UPLOAD_PREFIX/);
  });
});
