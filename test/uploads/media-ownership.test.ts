// A message may carry only media its sender uploaded here: a URL that merely looks like
// one of ours, or someone else's upload, is refused with the field named.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { buildConversation, messagePaths, type Conversation } from "../support/conversations.ts";
import { startStack, type Stack } from "../support/stack.ts";
import * as fixtures from "./media-fixtures.ts";
import { upload } from "./upload-helpers.ts";

let stack: Stack;
let c: Conversation;
before(async () => {
  stack = await startStack();
  c = await buildConversation(stack.api, "dm");
});
after(() => stack.stop());

describe("media ownership in messages", () => {
  it("accepts the sender's own upload", async () => {
    const up = await upload(stack.url, await fixtures.image("png", { width: 20, height: 20 }), { token: c.a.token, filename: "a.png" });
    assert.equal(up.status, 201, JSON.stringify(up.body));
    const res = await stack.api.post(messagePaths("dm", c.id).post, { kind: "image", media: up.body.media }, c.a.token);
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(res.body.media.original, up.body.media.original);
  });

  it("refuses a made-up URL that only matches the pattern", async () => {
    const media = { original: `/media/ab/${"ab".repeat(16)}.png`, type: "image" };
    const res = await stack.api.post(messagePaths("dm", c.id).post, { kind: "image", media }, c.a.token);
    assert.equal(res.status, 400);
    assert.match(res.body.error.message, /media\.original/);
  });

  it("refuses another user's upload", async () => {
    const up = await upload(stack.url, await fixtures.image("png", { width: 20, height: 20 }), { token: c.outsider.token, filename: "o.png" });
    assert.equal(up.status, 201);
    const res = await stack.api.post(messagePaths("dm", c.id).post, { kind: "image", media: up.body.media }, c.a.token);
    assert.equal(res.status, 400);
    assert.match(res.body.error.message, /media\.original/);
  });
});
