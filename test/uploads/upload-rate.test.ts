// Uploads per user are rate limited (UPLOAD_MAX_PER_MIN), before any byte of the file is
// received; another user keeps their own budget.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { buildUser } from "../support/factories.ts";
import { startStack, type Stack } from "../support/stack.ts";
import * as fixtures from "./media-fixtures.ts";
import { filesUnder, upload } from "./upload-helpers.ts";

let stack: Stack;
before(async () => {
  stack = await startStack({ env: { UPLOAD_MAX_PER_MIN: "3" } });
});
after(() => stack.stop());

describe("upload rate per user", () => {
  it("answers 429 with retry_after_ms past the budget, stores nothing more, and leaves other users alone", async () => {
    const [u, other] = [await buildUser(stack.api), await buildUser(stack.api)];
    const pdf = fixtures.pdf();
    for (let i = 0; i < 3; i++) assert.equal((await upload(stack.url, pdf, { token: u.token, filename: `d${i}.pdf` })).status, 201);
    const stored = filesUnder(stack.server.app.services.media.paths.files).length;
    const refused = await upload(stack.url, pdf, { token: u.token, filename: "d3.pdf" });
    assert.equal(refused.status, 429, JSON.stringify(refused.body));
    assert.equal(refused.body.error?.code, "rate_limited");
    assert.ok(Number((refused.body.error as { details?: { retry_after_ms?: number } }).details?.retry_after_ms) > 0);
    assert.equal(filesUnder(stack.server.app.services.media.paths.files).length, stored, "nothing stored for the refused upload");
    assert.equal((await upload(stack.url, pdf, { token: other.token, filename: "o.pdf" })).status, 201);
  });
});
