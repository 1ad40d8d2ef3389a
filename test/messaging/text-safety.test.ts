// Text others will see is checked for what it is (findings 1 and 14 of issue 12): a
// reaction is one emoji or a `:shortcode:` (never `a.b`, `$x`, NUL or `__proto__`, which
// broke the event log as keys of the reaction summary), names refuse control characters
// and invisible bidi formatting (U+202E made names read backwards), and message text
// refuses control characters other than tab and line breaks.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { requestError, requestOk } from "../support/clients.ts";
import { buildConversation, closeAll, connectReady, post, type Conversation } from "../support/conversations.ts";
import { buildUser, uniquePhone } from "../support/factories.ts";
import { startStack, type Stack } from "../support/stack.ts";

let stack: Stack;
let dm: Conversation;
before(async () => {
  stack = await startStack();
  dm = await buildConversation(stack.api, "dm");
});
after(() => stack.stop());

const fieldsOf = (body: { error: { details?: { fields?: { field: string }[] } } }) => (body.error.details?.fields ?? []).map((f) => f.field);

describe("reaction emoji", () => {
  const refused = ["a.b", "$x", "\u0000", "👍\u0000", "__proto__", "constructor", "\u202E👍", "👍\u202E", "\u2066👍", "a", "ab", "1", "👍👍", "🇫", ":bad code:", ":UPPER:", "::", `:${"a".repeat(33)}:`, "\u200D", "\uFE0F"];
  const accepted = ["👍", "❤️", "❤", "👨‍👩‍👧", "🇫🇷", "👍🏽", "1️⃣", "#️⃣", "🏳️‍🌈", "🏴󠁧󠁢󠁳󠁣󠁴󠁿", "🧑🏽‍🦰", "🫠", ":thumbs_up:", ":+1:", `:${"a".repeat(32)}:`];

  it("refuses anything but one emoji or a :shortcode: over REST: 400 naming emoji, nothing stored", async () => {
    const message = await post(stack.api, dm, dm.a, "react to me");
    for (const emoji of refused) {
      const res = await stack.api.post(dm.paths.reactions(message.id), { emoji }, dm.b.token);
      assert.equal(res.status, 400, JSON.stringify(emoji));
      assert.equal(res.body.error.code, "validation_error", JSON.stringify(emoji));
      assert.deepEqual(fieldsOf(res.body), ["emoji"], JSON.stringify(emoji));
      assert.match(res.body.error.message, /^emoji: /, JSON.stringify(emoji));
    }
    const stored = await stack.api.get(dm.paths.byId(message.id), dm.a.token);
    assert.equal(stored.status, 200);
    assert.deepEqual(stored.body.reactions, {}, "no refused reaction was stored");
  });

  it("accepts common emoji, flags, keycaps, skin tones, ZWJ sequences and shortcodes", async () => {
    const message = await post(stack.api, dm, dm.a, "react to me too");
    for (const emoji of accepted) {
      const res = await stack.api.post(dm.paths.reactions(message.id), { emoji }, dm.b.token);
      assert.equal(res.status, 200, `${JSON.stringify(emoji)}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.summary[emoji], 1, JSON.stringify(emoji));
    }
  });

  it("refuses the same over the socket (toggle_reaction) with an error ack naming emoji", async () => {
    const message = await post(stack.api, dm, dm.a, "socket reaction");
    const socket = await connectReady(stack.url, "dm", dm.b.token);
    try {
      for (const emoji of ["a.b", "$x", "__proto__", "\u202E👍"]) {
        const error = await requestError(socket, "toggle_reaction", { chat_id: dm.id, message_id: message.id, emoji });
        assert.equal(error.code, "validation_error", JSON.stringify(emoji));
        assert.match(error.message, /^emoji: /);
      }
      const ok = await requestOk(socket, "toggle_reaction", { chat_id: dm.id, message_id: message.id, emoji: "🇫🇷" });
      assert.equal(ok.summary["🇫🇷"], 1);
    } finally {
      closeAll(socket);
    }
  });
});

describe("names", () => {
  const badNames = ["evil\u202Egnp.exe", "a\u202Ab", "a\u2066b\u2069", "a\u200Eb", "a\u200Fb", "nul\u0000", "bell\u0007", "esc\u001b[31m", "c1\u0085", "two\nlines", "tab\there"];

  it("refuse control and bidi formatting characters in display names (register and profile)", async () => {
    const u = await buildUser(stack.api);
    for (const name of badNames) {
      const reg = await stack.api.post("/api/auth/register", { phone: uniquePhone(), password: "secret-pass", display_name: name });
      assert.equal(reg.status, 400, JSON.stringify(name));
      assert.deepEqual(fieldsOf(reg.body), ["display_name"], JSON.stringify(name));
      const put = await stack.api.put("/api/users/me/profile", { display_name: name }, u.token);
      assert.equal(put.status, 400, JSON.stringify(name));
      assert.deepEqual(fieldsOf(put.body), ["display_name"], JSON.stringify(name));
    }
    // Scripts written right to left are names like any other.
    const rtl = await stack.api.put("/api/users/me/profile", { display_name: "سارا Zoë" }, u.token);
    assert.equal(rtl.status, 200);
    assert.equal(rtl.body.display_name, "سارا Zoë");
  });

  it("refuse them in group names; descriptions refuse control characters but keep line breaks", async () => {
    const owner = await buildUser(stack.api);
    for (const name of badNames) {
      const res = await stack.api.post("/api/groups", { name }, owner.token);
      assert.equal(res.status, 400, JSON.stringify(name));
      assert.deepEqual(fieldsOf(res.body), ["name"], JSON.stringify(name));
    }
    const created = await stack.api.post("/api/groups", { name: "Plain", description: "line one\nline two\twith a tab" }, owner.token);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const id = created.body.id as string;
    const rename = await stack.api.put(`/api/groups/${id}`, { name: "admin\u202E" }, owner.token);
    assert.equal(rename.status, 400);
    assert.deepEqual(fieldsOf(rename.body), ["name"]);
    const desc = await stack.api.put(`/api/groups/${id}`, { description: "nul\u0000" }, owner.token);
    assert.equal(desc.status, 400);
    assert.deepEqual(fieldsOf(desc.body), ["description"]);
  });
});

describe("message text", () => {
  it("keeps newlines and tabs, refuses NUL and other control characters (send and edit)", async () => {
    const ok = await stack.api.post(dm.paths.post, { text: "first line\nsecond\tline\r\nthird" }, dm.a.token);
    assert.equal(ok.status, 201, JSON.stringify(ok.body));
    assert.equal(ok.body.text, "first line\nsecond\tline\r\nthird");
    for (const text of ["nul\u0000", "bell\u0007", "esc\u001b[2J", "del\u007f", "c1\u009b"]) {
      const res = await stack.api.post(dm.paths.post, { text }, dm.a.token);
      assert.equal(res.status, 400, JSON.stringify(text));
      assert.deepEqual(fieldsOf(res.body), ["text"], JSON.stringify(text));
      const edit = await stack.api.put(dm.paths.item(ok.body.id), { text }, dm.a.token);
      assert.equal(edit.status, 400, JSON.stringify(text));
      assert.deepEqual(fieldsOf(edit.body), ["text"], JSON.stringify(text));
    }
  });
});
