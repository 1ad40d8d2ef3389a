// GET /api/users/me/export (issue 15): one streamed tar archive of the caller's data, complete
// (messages of couple chat, group and DM, reactions, read positions, uploads as files) and
// private (other users only as public cards: no phone, email or mood of anyone else).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { createAccountExport, EXPORT_RECENT_LOGIN_MS } from "../../src/account/account-export.service.ts";
import { messagePaths, post, stopWhenDrained } from "../support/conversations.ts";
import { buildCouple, buildGroup, buildUser, dmIdOf } from "../support/factories.ts";
import { startStack, type Stack } from "../support/stack.ts";
import { image, pdf } from "../uploads/media-fixtures.ts";
import { upload } from "../uploads/upload-helpers.ts";
import { lines, readTar } from "./tar-reader.ts";

let stack: Stack;
before(async () => {
  stack = await startStack();
});
after(() => stopWhenDrained(stack));

async function download(token: string) {
  const res = await fetch(stack.url + "/api/users/me/export", { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, type: res.headers.get("content-type"), body: Buffer.from(await res.arrayBuffer()) };
}

describe("GET /api/users/me/export", () => {
  it("streams every conversation's messages, reactions, read positions and uploads, and nobody else's private data", async () => {
    const { a, b, chatId } = await buildCouple(stack.api);
    const c = await buildUser(stack.api);
    const d = await buildUser(stack.api);
    for (const [u, email] of [[b, "b-secret@example.com"], [c, "c-secret@example.com"], [d, "d-secret@example.com"]] as const) {
      assert.equal((await stack.api.put("/api/users/me/profile", { email, mood: `mood of ${u.username} private` }, u.token)).status, 200);
    }
    const couple = { paths: messagePaths("couple", chatId) };
    const groupId = await buildGroup(stack.api, c, [a]);
    const group = { paths: messagePaths("group", groupId) };
    const dm = { paths: messagePaths("dm", dmIdOf(a, d)) };
    const theirs = await post(stack.api, couple, b, "hello a");
    await post(stack.api, couple, a, "hello b");
    await post(stack.api, group, c, "group hello");
    await post(stack.api, group, a, "group answer");
    await post(stack.api, dm, a, "dm to d");
    await post(stack.api, dm, d, "dm back");
    const total = 6;
    assert.equal((await stack.api.post(couple.paths.reactions(theirs.id), { emoji: "❤️" }, a.token)).status, 200);
    assert.equal((await stack.api.post(couple.paths.read, { seq: 1 }, a.token)).status, 200);
    const av = await upload(stack.url, await image("png", { width: 40, height: 40 }), { token: a.token, path: "/api/users/me/avatar", filename: "me.png", mimetype: "image/png" });
    assert.equal(av.status, 200);
    const doc = await upload(stack.url, pdf(), { token: a.token, filename: "doc.pdf", mimetype: "application/pdf" });
    assert.equal(doc.status, 201, JSON.stringify(doc.body));

    const res = await download(a.token);
    assert.equal(res.status, 200, res.body.toString().slice(0, 300));
    assert.equal(res.type, "application/x-tar");
    const tar = readTar(res.body);
    for (const name of ["account.json", "sessions.jsonl", "partner_history.jsonl", "groups.jsonl", "conversations.jsonl", "messages.jsonl", "blocks.jsonl", "audit.jsonl", "files.jsonl"]) {
      assert.ok(tar.has(name), `${name} is in the archive: ${[...tar.keys()].join(", ")}`);
    }
    const account = JSON.parse(tar.get("account.json")!.toString());
    assert.equal(account.account.phone, a.phone);
    assert.equal(account.account.partner.id, b.id);
    const messages = lines(tar.get("messages.jsonl"));
    assert.equal(messages.length, total);
    assert.deepEqual(new Set(messages.map((m) => m.conversation.split(":")[0])), new Set(["couple", "group", "dm"]));
    assert.equal(messages.find((m) => m.id === theirs.id).my_reaction, "❤️");
    const conversations = lines(tar.get("conversations.jsonl"));
    assert.equal(conversations.length, 3);
    assert.equal(conversations.find((x) => x.type === "couple").read_seq, 1);
    assert.equal(lines(tar.get("groups.jsonl"))[0].id, groupId);
    assert.ok(lines(tar.get("sessions.jsonl")).length >= 1);
    assert.ok(lines(tar.get("audit.jsonl")).some((e) => e.type === "login"));

    // Each uploaded file, byte for byte from the disk.
    const manifest = lines(tar.get("files.jsonl"));
    assert.equal(manifest.length, 2);
    const archived = manifest.flatMap((u) => u.archived_as as string[]);
    assert.ok(archived.length >= 2);
    const storage = stack.server.app.services.media.storage;
    for (const u of manifest) {
      const stored = (u.urls as string[]).map((url) => storage.localPath!(url)!);
      for (const name of u.archived_as as string[]) {
        const local = stored.find((p) => p.endsWith("/" + name.slice("files/".length)));
        assert.ok(local && tar.get(name)?.equals(readFileSync(local)), `${name} matches the stored file`);
      }
    }

    // Privacy: no other user's phone, email or mood anywhere in the archive.
    const text = res.body.toString("latin1");
    for (const [u, email] of [[b, "b-secret@example.com"], [c, "c-secret@example.com"], [d, "d-secret@example.com"]] as const) {
      assert.ok(!text.includes(u.phone), `no phone of ${u.username}`);
      assert.ok(!text.includes(email), `no email of ${u.username}`);
      assert.ok(!text.includes(`mood of ${u.username} private`), `no mood of ${u.username}`);
    }

    const again = await download(a.token);
    assert.equal(again.status, 429, "once per hour");
  });

  it("needs a recent login", async () => {
    const u = await buildUser(stack.api);
    const s = stack.server.app.services;
    const later = createAccountExport({
      users: s.storage.users, profiles: s.storage.profiles, sessions: s.storage.sessions, partnerRequests: s.storage.partnerRequests, conversations: s.storage.conversations,
      messages: s.storage.messages, groups: s.storage.groups, blocks: s.storage.blocks, audit: s.storage.audit, uploads: s.storage.accountDeletions, media: s.media.storage,
      scratchDir: s.media.paths.incoming, throttle: { consume: async () => {} }, now: () => Date.now() + EXPORT_RECENT_LOGIN_MS + 60_000,
    });
    const { verifyAccess } = s.tokens;
    const claims = verifyAccess(u.token);
    await assert.rejects(later.authorize({ userId: u.id, sessionId: claims.sid }), (e: any) => e.code === "forbidden" && e.details?.reason === "login_required");
  });
});
