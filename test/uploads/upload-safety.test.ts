// What a hostile or broken client gets: every refusal has the right status and code, and
// leaves nothing on disk — neither in storage nor in the scratch directory uploads stream to.
import assert from "node:assert/strict";
import { request } from "node:http";
import { after, afterEach, before, describe, it } from "node:test";
import sharp from "sharp";
import { buildUser, type TestUser } from "../support/factories.ts";
import { startStack, type Stack } from "../support/stack.ts";
import * as fixtures from "./media-fixtures.ts";
import { entriesIn, filesUnder, SMALL_LIMITS, upload, waitFor, type UploadBody } from "./upload-helpers.ts";

let stack: Stack;
let user: TestUser;
before(async () => {
  stack = await startStack({ env: SMALL_LIMITS });
  user = await buildUser(stack.api);
});
after(() => stack.stop());

const paths = () => stack.server.app.services.media.paths;
const IMAGE_MAX = Number(SMALL_LIMITS.UPLOAD_MAX_IMAGE_BYTES);
const STREAM_MAX = Number(SMALL_LIMITS.UPLOAD_MAX_VIDEO_BYTES); // the largest kind caps the stream

// Nothing in this file is meant to be stored: after each test both directories are empty.
afterEach(async () => {
  await waitFor(() => entriesIn(paths().incoming).length === 0, "the scratch directory to empty");
  assert.deepEqual(filesUnder(paths().files), [], "nothing stored");
});

function assertError(res: { status: number; body: Pick<UploadBody, "error"> }, status: number, code: string, message?: RegExp) {
  assert.equal(res.status, status, JSON.stringify(res.body));
  assert.equal(res.body.error.code, code);
  if (message) assert.match(res.body.error.message, message);
}

describe("uploads: refusals", () => {
  it("requires an access token (401) before reading the body", async () => {
    assertError(await upload(stack.url, fixtures.pdf(), {}), 401, "unauthorized");
    assertError(await upload(stack.url, fixtures.pdf(), { token: "not-a-jwt" }), 401, "unauthorized");
    assertError(await upload(stack.url, await fixtures.image("png"), { path: "/api/users/me/avatar" }), 401, "unauthorized");
  });

  it("refuses a renamed executable sent as photo.jpg with image/jpeg (415)", async () => {
    const res = await upload(stack.url, fixtures.elf(), { token: user.token, filename: "photo.jpg", mimetype: "image/jpeg" });
    assertError(res, 415, "unsupported_media_type", /x-elf/);
    const asImage = await upload(stack.url, fixtures.elf(), { token: user.token, filename: "photo.jpg", mimetype: "image/jpeg", fields: { kind: "image" } });
    assertError(asImage, 415, "unsupported_media_type");
  });

  it("refuses text, HTML and unknown bytes (415)", async () => {
    for (const body of ["<html><script>alert(1)</script></html>", "just some text", "\x00\x01\x02\x03garbage"]) {
      assertError(await upload(stack.url, Buffer.from(body), { token: user.token, filename: "a.png", mimetype: "image/png" }), 415, "unsupported_media_type");
    }
  });

  it("refuses an image whose pixels do not decode (415)", async () => {
    const png = await fixtures.image("png");
    const truncated = Buffer.concat([png.subarray(0, 40), Buffer.alloc(200, 0x41)]);
    assertError(await upload(stack.url, truncated, { token: user.token }), 415, "unsupported_media_type", /decodable/);
  });

  it("refuses an image over the pixel limit from its header, before decoding it (413)", async () => {
    // 6300×6300 single-colour PNG: a few KB on the wire, 40 megapixels decoded.
    const big = await sharp({ create: { width: 6300, height: 6300, channels: 3, background: "#fff" } }).png({ compressionLevel: 9 }).toBuffer();
    const cpuBefore = process.cpuUsage();
    assertError(await upload(stack.url, big, { token: user.token, filename: "big.png" }), 413, "payload_too_large", /6300×6300 is 39690000 pixels; at most 24000000/);
    // The server runs in this process: refusing it must not have cost a decode (about 1 s of CPU).
    const cpu = process.cpuUsage(cpuBefore);
    assert.ok((cpu.user + cpu.system) / 1000 < 500, `refusal cost ${Math.round((cpu.user + cpu.system) / 1000)} ms of CPU`);
  });

  it("an empty file is 400", async () => {
    assertError(await upload(stack.url, Buffer.alloc(0), { token: user.token, filename: "empty.jpg" }), 400, "validation_error", /file: is empty/);
  });

  it("no file, a file in the wrong field, two files or an unknown field are 400", async () => {
    assertError(await upload(stack.url, null, { token: user.token, fields: { kind: "image" } }), 400, "validation_error", /file: is required/);
    assertError(await stack.api.call("POST", "/api/uploads", { token: user.token, json: { kind: "image" } }), 400, "validation_error", /file: is required/);
    assertError(await upload(stack.url, fixtures.pdf(), { token: user.token, fileField: "attachment" }), 400, "validation_error", /attachment/);
    const form = new FormData();
    form.append("file", new Blob([new Uint8Array(fixtures.pdf())]), "a.pdf");
    form.append("file", new Blob([new Uint8Array(fixtures.pdf())]), "b.pdf");
    const two = await fetch(`${stack.url}/api/uploads`, { method: "POST", body: form, headers: { authorization: `Bearer ${user.token}` } });
    assertError({ status: two.status, body: await two.json() }, 400, "validation_error", /only one file/);
    assertError(await upload(stack.url, fixtures.pdf(), { token: user.token, fields: { owner: "someone-else" } }), 400, "validation_error", /owner|Unrecognized/);
  });

  it("many parts are 400", async () => {
    const fields = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`f${i}`, "x"]));
    assertError(await upload(stack.url, fixtures.pdf(), { token: user.token, fields }), 400, "validation_error", /too many/);
  });

  it("a file over the streaming cap is 413, cut off while streaming", async () => {
    const big = Buffer.concat([fixtures.pdf(), Buffer.alloc(STREAM_MAX + 64 * 1024, 0x20)]);
    assertError(await upload(stack.url, big, { token: user.token }), 413, "payload_too_large", /file: larger than/);
  });

  it("a file over its own type's limit is 413 once sniffed", async () => {
    // Under the streaming cap (the video limit) but over the image limit.
    const png = await fixtures.image("png");
    const big = Buffer.concat([png, Buffer.alloc(IMAGE_MAX, 0x00)]);
    assert.ok(big.length < STREAM_MAX);
    assertError(await upload(stack.url, big, { token: user.token }), 413, "payload_too_large", /an image may be at most/);
    const avatar = await upload(stack.url, big, { token: user.token, path: "/api/users/me/avatar" });
    assertError(avatar, 413, "payload_too_large");
  });

  it("a client that disconnects mid-upload leaves no partial file behind", async () => {
    const boundary = `----test${Date.now()}`;
    const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.pdf"\r\nContent-Type: application/pdf\r\n\r\n`);
    const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
    const fileBytes = STREAM_MAX - 1024;
    const { port } = new URL(stack.url);
    const req = request({
      host: "127.0.0.1",
      port: Number(port),
      path: "/api/uploads",
      method: "POST",
      headers: {
        authorization: `Bearer ${user.token}`,
        "content-type": `multipart/form-data; boundary=${boundary}`,
        "content-length": head.length + fileBytes + tail.length,
      },
    });
    const outcome = new Promise<string>((resolve) => {
      req.on("error", (err) => resolve(`error: ${err.message}`));
      req.on("response", (res) => resolve(`response ${res.statusCode}`));
    });
    req.write(head);
    req.write(Buffer.concat([fixtures.pdf(), Buffer.alloc(fileBytes / 2, 0x20)]));
    // Wait until the server has really started writing the upload to its scratch directory.
    await waitFor(() => filesUnder(paths().incoming).length > 0, "the upload to reach the scratch directory");
    req.destroy();
    assert.match(await outcome, /^error/);
    await waitFor(() => entriesIn(paths().incoming).length === 0, "the partial upload to be removed");
    // The server is still fine afterwards.
    const ok = await upload(stack.url, fixtures.pdf(), { token: user.token });
    assert.equal(ok.status, 201);
    await stack.server.app.services.media.storage.remove(ok.body.media);
  });
});
